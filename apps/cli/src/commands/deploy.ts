import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree deploy` */
export function deployCommand(_ctx: CliContext): Command {
  return new Command('deploy')
    .summary('Deploy a specific version or commit of the current branch')
    .description('Deploy a specific version or commit of the current branch.')
    .argument('<revision>')
    .option('-r, --reboot', 'reboot afterwards')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(notImplemented('deploy'));
}
