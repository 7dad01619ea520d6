import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { REBOOT_HINT, rejectReboot } from './rpm-ostree-common.js';
import { openSysroot } from './sysroot-option.js';

/** `tsostree rollback` */
export function rollbackCommand(ctx: CliContext): Command {
  return new Command('rollback')
    .summary('Make the previous deployment the default boot entry')
    .description(
      'Make the previous deployment the default boot entry: if the booted deployment is the default, the one after it; ' +
        'otherwise the booted one.',
    )
    .option('-r, --reboot', 'reboot afterwards')
    .option('--os <stateroot>', 'operate on this stateroot (default: the booted one)')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(async (opts: { reboot?: boolean; os?: string; sysroot?: string }) => {
      rejectReboot(opts);
      const sysroot = await openSysroot(ctx, opts.sysroot);
      // The library decides which deployment moves; its lines are printed after rpm-ostree's "Moving" line.
      const lines: string[] = [];
      const moved = await sysroot.rollback({ ...(opts.os !== undefined ? { stateroot: opts.os } : {}), onMessage: (l) => lines.push(l) });
      ctx.stdout(`Moving '${moved.checksum}.${moved.serial}' to be first deployment\n`);
      for (const line of lines) ctx.stdout(`${line}\n`);
      ctx.stdout(REBOOT_HINT);
    });
}
