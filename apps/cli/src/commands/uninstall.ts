import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree uninstall` */
export function uninstallCommand(_ctx: CliContext): Command {
  return new Command('uninstall')
    .summary('Remove layered packages')
    .description('Remove layered packages.')
    .argument('<packages...>')
    .option('--all', 'remove every layered package')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(notImplemented('uninstall'));
}
