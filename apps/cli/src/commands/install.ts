import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree install` */
export function installCommand(_ctx: CliContext): Command {
  return new Command('install')
    .summary('Layer additional packages on top of the base image')
    .description('Layer additional packages on top of the base image.')
    .argument('<packages...>')
    .option('--dry-run', 'show the transaction without doing it')
    .option('-r, --reboot', 'reboot afterwards')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(notImplemented('install'));
}
