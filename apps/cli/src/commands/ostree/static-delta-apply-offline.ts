import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree static-delta apply-offline` */
export function staticDeltaApplyOfflineCommand(_ctx: CliContext): Command {
  return new Command('apply-offline')
    .summary('Apply a static delta file')
    .description('Apply a static delta file.')
    .argument('<path>')
    .option('--repo <path>', 'path to the repository')
    .action(notImplemented('ostree static-delta apply-offline'));
}
