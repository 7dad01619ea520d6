import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { notImplemented } from '../../../not-implemented.js';

/** `tsostree ostree admin init-fs` */
export function adminInitFsCommand(_ctx: CliContext): Command {
  return new Command('init-fs')
    .summary('Create the sysroot skeleton in a directory')
    .description('Create the sysroot skeleton in a directory.')
    .argument('<path>')
    .option('--sysroot <path>', 'sysroot (default /)')
    .option('--modern', 'only create /boot and /sysroot')
    .action(notImplemented('ostree admin init-fs'));
}
