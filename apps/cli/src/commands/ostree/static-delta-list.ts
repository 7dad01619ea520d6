import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree static-delta list` */
export function staticDeltaListCommand(_ctx: CliContext): Command {
  return new Command('list')
    .summary('List static deltas')
    .description('List static deltas.')
    .option('--repo <path>', 'path to the repository')
    .action(notImplemented('ostree static-delta list'));
}
