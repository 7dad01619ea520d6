import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { openSysroot, parseIndex, printLines } from '../../sysroot-option.js';

/** `tsostree ostree admin set-default` (newer ostree; not in 2022.7) */
export function adminSetDefaultCommand(ctx: CliContext): Command {
  return new Command('set-default')
    .summary('Make a deployment the default')
    .description('Make deployment INDEX the default.')
    .argument('<index>')
    .option('--sysroot <path>', 'sysroot (default /)')
    .action(async (index: string, opts: { sysroot?: string }) => {
      const n = parseIndex(index);
      const sysroot = await openSysroot(ctx, opts.sysroot);
      await sysroot.setDefault(n, { onMessage: printLines(ctx) });
    });
}
