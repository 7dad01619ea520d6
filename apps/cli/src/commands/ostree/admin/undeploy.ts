import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { notImplemented } from '../../../not-implemented.js';

/** `tsostree ostree admin undeploy` */
export function adminUndeployCommand(_ctx: CliContext): Command {
  return new Command('undeploy')
    .summary('Delete a deployment by index')
    .description('Delete a deployment by index.')
    .argument('<index>')
    .option('--sysroot <path>', 'sysroot (default /)')
    .action(notImplemented('ostree admin undeploy'));
}
