import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree rev-parse` */
export function revParseCommand(_ctx: CliContext): Command {
  return new Command('rev-parse')
    .summary('Print the checksum a ref or partial checksum names')
    .description('Print the checksum a ref or partial checksum names.')
    .argument('<rev>')
    .option('--repo <path>', 'path to the repository')
    .option('--single', 'only accept a checksum, not a ref')
    .action(notImplemented('ostree rev-parse'));
}
