import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { notImplemented } from '../../../not-implemented.js';

/** `tsostree ostree admin status` */
export function adminStatusCommand(_ctx: CliContext): Command {
  return new Command('status')
    .summary('List deployments')
    .description('List deployments.')
    .option('--sysroot <path>', 'sysroot (default /)')
    .option('-v, --verbose', 'more detail')
    .action(notImplemented('ostree admin status'));
}
