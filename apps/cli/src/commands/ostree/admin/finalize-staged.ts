import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { notImplemented } from '../../../not-implemented.js';

/** `tsostree ostree admin finalize-staged` */
export function adminFinalizeStagedCommand(_ctx: CliContext): Command {
  return new Command('finalize-staged')
    .summary('Finalize the staged deployment (at shutdown)')
    .description('Finalize the staged deployment (at shutdown).')
    .option('--sysroot <path>', 'sysroot (default /)')
    .action(notImplemented('ostree admin finalize-staged'));
}
