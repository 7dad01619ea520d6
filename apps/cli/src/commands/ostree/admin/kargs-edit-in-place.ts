import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { openSysroot } from '../../sysroot-option.js';
import { collect } from '../repo-option.js';

/** `tsostree ostree admin kargs edit-in-place` */
export function adminKargsEditInPlaceCommand(ctx: CliContext): Command {
  return new Command('edit-in-place')
    .summary('Edit the kernel arguments of every deployment in place')
    .description('Edit the kernel arguments of every deployment in place.')
    .option('--sysroot <path>', 'sysroot (default /)')
    .option('--append-if-missing <karg>', 'append unless present (repeatable)', collect)
    .option('--delete-if-present <karg>', 'delete if present (repeatable)', collect)
    .action(async (opts: { sysroot?: string; appendIfMissing?: string[]; deleteIfPresent?: string[] }) => {
      // Through the sysroot: it holds the sysroot lock and refuses while a deployment is staged.
      const sysroot = await openSysroot(ctx, opts.sysroot);
      await sysroot.editKernelArgsInPlace((kargs) => {
        for (const arg of opts.appendIfMissing ?? []) kargs.appendIfMissing(arg);
        for (const arg of opts.deleteIfPresent ?? []) kargs.deleteIfPresent(arg);
      });
    });
}
