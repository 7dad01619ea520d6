import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree db list` */
export function dbListCommand(_ctx: CliContext): Command {
  return new Command('list')
    .summary('List the packages in a commit')
    .description('List the packages in a commit.')
    .argument('[revisions...]')
    .option('--repo <path>', 'repository (default: the sysroot\'s)')
    .action(notImplemented('db list'));
}
