import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree remote show-url` */
export function remoteShowUrlCommand(_ctx: CliContext): Command {
  return new Command('show-url')
    .summary('Show the URL of a remote')
    .description('Show the URL of a remote.')
    .argument('<name>')
    .option('--repo <path>', 'path to the repository')
    .action(notImplemented('ostree remote show-url'));
}
