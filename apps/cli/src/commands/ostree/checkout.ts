import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree checkout` */
export function checkoutCommand(_ctx: CliContext): Command {
  return new Command('checkout')
    .summary('Check out a commit into a filesystem tree')
    .description('Check out a commit into a filesystem tree.')
    .argument('<commit>')
    .argument('[destination]')
    .option('--repo <path>', 'path to the repository')
    .option('-U, --user-mode', 'do not change file ownership or xattrs')
    .option('--union', 'keep existing files, overwriting from the commit')
    .option('--subpath <path>', 'check out a sub-directory')
    .option('-H, --require-hardlinks', 'fail if hardlinks cannot be used')
    .action(notImplemented('ostree checkout'));
}
