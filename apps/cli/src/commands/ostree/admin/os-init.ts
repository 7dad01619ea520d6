import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { notImplemented } from '../../../not-implemented.js';

/** `tsostree ostree admin os-init` */
export function adminOsInitCommand(_ctx: CliContext): Command {
  return new Command('os-init')
    .summary('Create a stateroot (alias of stateroot-init)')
    .description('Create a stateroot (alias of stateroot-init).')
    .argument('<stateroot>')
    .option('--sysroot <path>', 'sysroot (default /)')
    .action(notImplemented('ostree admin os-init'));
}
