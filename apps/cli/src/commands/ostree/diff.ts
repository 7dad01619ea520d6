import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree diff` */
export function diffCommand(_ctx: CliContext): Command {
  return new Command('diff')
    .summary('Compare two directories or commits')
    .description('Compare two directories or commits.')
    .argument('<from>')
    .argument('[to]')
    .option('--repo <path>', 'path to the repository')
    .option('--stats', 'print statistics')
    .action(notImplemented('ostree diff'));
}
