import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree remote list` */
export function remoteListCommand(_ctx: CliContext): Command {
  return new Command('list')
    .summary('List remotes')
    .description('List remotes.')
    .option('--repo <path>', 'path to the repository')
    .option('-u, --show-urls', 'show URLs')
    .action(notImplemented('ostree remote list'));
}
