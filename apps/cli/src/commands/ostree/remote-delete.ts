import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree remote delete` */
export function remoteDeleteCommand(_ctx: CliContext): Command {
  return new Command('delete')
    .summary('Delete a remote')
    .description('Delete a remote.')
    .argument('<name>')
    .option('--repo <path>', 'path to the repository')
    .option('--if-exists', 'do nothing if it does not exist')
    .action(notImplemented('ostree remote delete'));
}
