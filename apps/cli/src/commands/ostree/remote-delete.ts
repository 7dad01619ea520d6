import { Command } from 'commander';
import { deleteRemote } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { openRepo } from './repo-option.js';
import { openSysroot } from '../sysroot-option.js';

/** `tsostree ostree remote delete` */
export function remoteDeleteCommand(ctx: CliContext): Command {
  return new Command('delete')
    .summary('Delete a remote')
    .description('Delete a remote.')
    .argument('<name>')
    .option('--repo <path>', 'path to the repository')
    .option('--sysroot <path>', "use the sysroot's repository (overrides --repo)")
    .option('--if-exists', 'do nothing if it does not exist')
    .action(async (name: string, opts: { repo?: string; sysroot?: string; ifExists?: boolean }) => {
      const repo = opts.sysroot !== undefined ? await (await openSysroot(ctx, opts.sysroot)).repo() : await openRepo(ctx, opts.repo);
      await deleteRemote(repo, name, { ifExists: opts.ifExists === true });
    });
}
