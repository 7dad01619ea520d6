import { Command } from 'commander';
import { getRemote } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree remote show-url` */
export function remoteShowUrlCommand(ctx: CliContext): Command {
  return new Command('show-url')
    .summary('Show the URL of a remote')
    .description('Show the URL of a remote.')
    .argument('<name>')
    .option('--repo <path>', 'path to the repository')
    .action(async (name: string, opts: { repo?: string }) => {
      ctx.stdout(`${getRemote(await openRepo(ctx, opts.repo), name).url}\n`);
    });
}
