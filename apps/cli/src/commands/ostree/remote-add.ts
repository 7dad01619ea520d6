import { Command } from 'commander';
import { InvalidArgumentError } from '@tsostree/errors';
import { addRemote } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { collect, openRepo } from './repo-option.js';

/** `tsostree ostree remote add` */
export function remoteAddCommand(ctx: CliContext): Command {
  return new Command('add')
    .summary('Add a remote')
    .description('Add a remote.')
    .argument('<name>')
    .argument('<url>')
    .argument('[branches...]')
    .option('--repo <path>', 'path to the repository')
    .option('--set <k=v>', 'set an option (repeatable)', collect)
    .option('--no-gpg-verify', 'disable GPG verification')
    .option('--if-not-exists', 'do nothing if it exists')
    .action(
      async (
        name: string,
        url: string,
        branches: string[],
        opts: { repo?: string; set?: string[]; gpgVerify: boolean; ifNotExists?: boolean },
      ) => {
        const options: Record<string, string> = {};
        for (const kv of opts.set ?? []) {
          const eq = kv.indexOf('=');
          if (eq <= 0) throw new InvalidArgumentError(`--set expects KEY=VALUE, got ${JSON.stringify(kv)}`);
          options[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
        const repo = await openRepo(ctx, opts.repo);
        await addRemote(repo, name, url, {
          branches,
          options,
          noGpgVerify: opts.gpgVerify === false,
          ifNotExists: opts.ifNotExists === true,
        });
      },
    );
}
