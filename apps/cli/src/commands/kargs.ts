import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree kargs` */
export function kargsCommand(_ctx: CliContext): Command {
  return new Command('kargs')
    .summary('Show or change the kernel arguments of the default deployment')
    .description('Show or change the kernel arguments of the default deployment.')
    .option('--append <karg>', 'append a kernel argument (repeatable)')
    .option('--append-if-missing <karg>', 'append unless present')
    .option('--delete <karg>', 'delete a kernel argument')
    .option('--delete-if-present <karg>', 'delete if present')
    .option('--replace <k=v=new>', 'replace a value')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(notImplemented('kargs'));
}
