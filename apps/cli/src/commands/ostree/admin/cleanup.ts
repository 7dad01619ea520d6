import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { openSysroot, printLines } from '../../sysroot-option.js';

/** `tsostree ostree admin cleanup` */
export function adminCleanupCommand(ctx: CliContext): Command {
  return new Command('cleanup')
    .summary('Delete untagged deployments and repository objects')
    .description('Delete untagged deployments and repository objects.')
    .option('--sysroot <path>', 'sysroot (default /)')
    .action(async (opts: { sysroot?: string }) => {
      const sysroot = await openSysroot(ctx, opts.sysroot);
      await sysroot.cleanup({ onMessage: printLines(ctx) });
    });
}
