import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { openSysroot, printLines } from '../../sysroot-option.js';

/** `tsostree ostree admin finalize-staged` */
export function adminFinalizeStagedCommand(ctx: CliContext): Command {
  return new Command('finalize-staged')
    .summary('Finalize the staged deployment (at shutdown)')
    .description('Finalize the staged deployment: merge /etc now and make it the default (run at shutdown).')
    .option('--sysroot <path>', 'sysroot (default /)')
    .action(async (opts: { sysroot?: string }) => {
      const sysroot = await openSysroot(ctx, opts.sysroot);
      // ostree 2022.7 sends "No deployment staged for finalization" to the journal only: stdout stays empty.
      const print = printLines(ctx);
      await sysroot.finalizeStaged({ onMessage: (line) => line !== 'No deployment staged for finalization' && print(line) });
    });
}
