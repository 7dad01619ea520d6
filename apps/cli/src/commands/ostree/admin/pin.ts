import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { openSysroot, parseIndex } from '../../sysroot-option.js';

/** `tsostree ostree admin pin` */
export function adminPinCommand(ctx: CliContext): Command {
  return new Command('pin')
    .summary('Keep a deployment from being garbage collected')
    .description('Change the "pinning" state of a deployment.')
    .argument('<index...>')
    .option('--sysroot <path>', 'sysroot (default /)')
    .option('-u, --unpin', 'remove the pin')
    .action(async (indexes: string[], opts: { sysroot?: string; unpin?: boolean }) => {
      const list = indexes.map(parseIndex);
      const sysroot = await openSysroot(ctx, opts.sysroot);
      const word = opts.unpin ? 'unpinned' : 'pinned';
      for (const n of list) {
        const changed = await sysroot.setPinned(n, !opts.unpin);
        ctx.stdout(`Deployment ${n} is ${changed ? 'now' : 'already'} ${word}\n`);
      }
    });
}
