import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { notImplemented } from '../../../not-implemented.js';

/** `tsostree ostree admin cleanup` */
export function adminCleanupCommand(_ctx: CliContext): Command {
  return new Command('cleanup')
    .summary('Delete untagged deployments and repository objects')
    .description('Delete untagged deployments and repository objects.')
    .option('--sysroot <path>', 'sysroot (default /)')
    .action(notImplemented('ostree admin cleanup'));
}
