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
      // ostree 2022.7 sends "No deployment staged for finalization" and "Not finalizing; found
      // /run/ostree/staged-deployment-locked" to the journal only: stdout stays empty.
      const print = printLines(ctx);
      const journalOnly = (line: string): boolean => line === 'No deployment staged for finalization' || line.startsWith('Not finalizing; ');
      await sysroot.finalizeStaged({ onMessage: (line) => !journalOnly(line) && print(line) });
    });
}
