import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { notImplemented } from '../../../not-implemented.js';

/** `tsostree ostree admin set-default` */
export function adminSetDefaultCommand(_ctx: CliContext): Command {
  return new Command('set-default')
    .summary('Make a deployment the default')
    .description('Make a deployment the default.')
    .argument('<index>')
    .option('--sysroot <path>', 'sysroot (default /)')
    .action(notImplemented('ostree admin set-default'));
}
