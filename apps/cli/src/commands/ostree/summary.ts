import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree summary` */
export function summaryCommand(_ctx: CliContext): Command {
  return new Command('summary')
    .summary('Manage the summary file')
    .description('Manage the summary file.')
    .option('--repo <path>', 'path to the repository')
    .option('-u, --update', 'regenerate the summary')
    .option('--view', 'print the summary')
    .option('--raw', 'raw variant data')
    .option('--gpg-sign <keyid>', 'sign the summary')
    .action(notImplemented('ostree summary'));
}
