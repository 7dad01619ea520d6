import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree remote add` */
export function remoteAddCommand(_ctx: CliContext): Command {
  return new Command('add')
    .summary('Add a remote')
    .description('Add a remote.')
    .argument('<name>')
    .argument('<url>')
    .argument('[branches...]')
    .option('--repo <path>', 'path to the repository')
    .option('--set <k=v>', 'set an option (repeatable)')
    .option('--no-gpg-verify', 'disable GPG verification')
    .option('--if-not-exists', 'do nothing if it exists')
    .action(notImplemented('ostree remote add'));
}
