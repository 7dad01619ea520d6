import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree db diff` */
export function dbDiffCommand(_ctx: CliContext): Command {
  return new Command('diff')
    .summary('Show the package changes between two commits')
    .description('Show the package changes between two commits.')
    .argument('[from]')
    .argument('[to]')
    .option('--format <fmt>', 'block, diff or json')
    .option('--repo <path>', 'repository (default: the sysroot\'s)')
    .action(notImplemented('db diff'));
}
