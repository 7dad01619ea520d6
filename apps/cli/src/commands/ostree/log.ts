import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree log` */
export function logCommand(_ctx: CliContext): Command {
  return new Command('log')
    .summary('Show the history of a branch')
    .description('Show the history of a branch.')
    .argument('<ref>')
    .option('--repo <path>', 'path to the repository')
    .option('--raw', 'show raw variant data')
    .action(notImplemented('ostree log'));
}
