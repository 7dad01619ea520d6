import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { deploymentViews, openSysroot } from '../../sysroot-option.js';
import { formatAdminStatus } from './admin-status-format.js';

/** `tsostree ostree admin status` */
export function adminStatusCommand(ctx: CliContext): Command {
  return new Command('status')
    .summary('List deployments')
    .description('List deployments.')
    .option('--sysroot <path>', 'sysroot (default /)')
    .option('-v, --verbose', 'more detail')
    .action(async (opts: { sysroot?: string }) => {
      const sysroot = await openSysroot(ctx, opts.sysroot);
      ctx.stdout(formatAdminStatus(await deploymentViews(sysroot)));
    });
}
