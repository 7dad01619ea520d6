import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree cat` */
export function catCommand(_ctx: CliContext): Command {
  return new Command('cat')
    .summary('Print the contents of files in a commit')
    .description('Print the contents of files in a commit.')
    .argument('<commit>')
    .argument('<paths...>')
    .option('--repo <path>', 'path to the repository')
    .action(notImplemented('ostree cat'));
}
