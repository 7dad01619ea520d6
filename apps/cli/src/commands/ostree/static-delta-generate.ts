import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree static-delta generate` */
export function staticDeltaGenerateCommand(_ctx: CliContext): Command {
  return new Command('generate')
    .summary('Generate a static delta')
    .description('Generate a static delta.')
    .option('--repo <path>', 'path to the repository')
    .option('--from <rev>', 'from this commit')
    .option('--to <rev>', 'to this commit')
    .option('--empty', 'from scratch')
    .option('--inline', 'store parts in the superblock')
    .action(notImplemented('ostree static-delta generate'));
}
