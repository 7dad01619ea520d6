import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { notImplemented } from '../../../not-implemented.js';

/** `tsostree ostree admin stateroot-init` */
export function adminStaterootInitCommand(_ctx: CliContext): Command {
  return new Command('stateroot-init')
    .summary('Create a stateroot')
    .description('Create a stateroot.')
    .argument('<stateroot>')
    .option('--sysroot <path>', 'sysroot (default /)')
    .action(notImplemented('ostree admin stateroot-init'));
}
