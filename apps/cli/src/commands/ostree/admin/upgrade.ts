import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { notImplemented } from '../../../not-implemented.js';

/** `tsostree ostree admin upgrade` */
export function adminUpgradeCommand(_ctx: CliContext): Command {
  return new Command('upgrade')
    .summary('Pull and deploy the newest commit of the origin')
    .description('Pull and deploy the newest commit of the origin.')
    .option('--sysroot <path>', 'sysroot (default /)')
    .option('--os <stateroot>', 'stateroot')
    .option('--pull-only', 'only pull')
    .option('--deploy-only', 'do not pull')
    .option('--stage', 'finalize at shutdown')
    .action(notImplemented('ostree admin upgrade'));
}
