import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree fsck` */
export function fsckCommand(_ctx: CliContext): Command {
  return new Command('fsck')
    .summary('Check the repository for consistency')
    .description('Check the repository for consistency.')
    .option('--repo <path>', 'path to the repository')
    .option('--delete', 'remove corrupted objects')
    .option('--quiet', 'only print errors')
    .action(notImplemented('ostree fsck'));
}
