import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { notImplemented } from '../../../not-implemented.js';

/** `tsostree ostree admin kargs edit-in-place` */
export function adminKargsEditInPlaceCommand(_ctx: CliContext): Command {
  return new Command('edit-in-place')
    .summary('Edit the kernel arguments of every deployment in place')
    .description('Edit the kernel arguments of every deployment in place.')
    .option('--sysroot <path>', 'sysroot (default /)')
    .option('--append-if-missing <karg>', 'append unless present')
    .action(notImplemented('ostree admin kargs edit-in-place'));
}
