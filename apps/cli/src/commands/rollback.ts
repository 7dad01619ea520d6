import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree rollback` */
export function rollbackCommand(_ctx: CliContext): Command {
  return new Command('rollback')
    .summary('Make the previous deployment the default boot entry')
    .description('Make the previous deployment the default boot entry.')
    .option('-r, --reboot', 'reboot afterwards')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(notImplemented('rollback'));
}
