import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { openSysroot, parseIndex, printLines } from '../../sysroot-option.js';

/** `tsostree ostree admin undeploy` */
export function adminUndeployCommand(ctx: CliContext): Command {
  return new Command('undeploy')
    .summary('Delete a deployment by index')
    .description('Delete deployment INDEX.')
    .argument('<index>')
    .option('--sysroot <path>', 'sysroot (default /)')
    .action(async (index: string, opts: { sysroot?: string }) => {
      const n = parseIndex(index);
      const sysroot = await openSysroot(ctx, opts.sysroot);
      await sysroot.undeploy(n, { onMessage: printLines(ctx) });
    });
}
