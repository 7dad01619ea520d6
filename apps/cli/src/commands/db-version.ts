import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree db version` */
export function dbVersionCommand(_ctx: CliContext): Command {
  return new Command('version')
    .summary('Show the rpmdb version of a commit')
    .description('Show the rpmdb version of a commit.')
    .argument('[revisions...]')
    .option('--repo <path>', 'repository (default: the sysroot\'s)')
    .action(notImplemented('db version'));
}
