import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree init` */
export function initCommand(_ctx: CliContext): Command {
  return new Command('init')
    .summary('Initialize a new empty repository')
    .description('Initialize a new empty repository.')
    .option('--repo <path>', 'path to the repository')
    .option('--mode <mode>', 'bare, bare-user, bare-user-only or archive (default bare)')
    .option('--collection-id <id>', 'collection ID')
    .action(notImplemented('ostree init'));
}
