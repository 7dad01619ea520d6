import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree show` */
export function showCommand(_ctx: CliContext): Command {
  return new Command('show')
    .summary('Show a commit')
    .description('Show a commit.')
    .argument('<object>')
    .option('--repo <path>', 'path to the repository')
    .option('--print-metadata-key <key>', 'print one metadata value')
    .option('--raw', 'show raw variant data')
    .action(notImplemented('ostree show'));
}
