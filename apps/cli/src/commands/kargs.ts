import { Command } from 'commander';
import { KernelArgs } from '@tsostree/bootloader';
import type { CliContext } from '../context.js';
import { collect } from './ostree/repo-option.js';
import { ExitRequest } from '../exit-request.js';
import { EXIT_UNCHANGED, deployLikeRpmOstree, rejectReboot } from './rpm-ostree-common.js';
import { openSysroot } from './sysroot-option.js';
import { derivedOrigin } from './revision.js';
import { baseDeployment } from './update-source.js';

interface KargsOpts {
  append?: string[];
  appendIfMissing?: string[];
  delete?: string[];
  deleteIfPresent?: string[];
  replace?: string[];
  reboot?: boolean;
  os?: string;
  unchangedExit77?: boolean;
  sysroot?: string;
}

/** `tsostree kargs` */
export function kargsCommand(ctx: CliContext): Command {
  return new Command('kargs')
    .summary('Show or change the kernel arguments of the default deployment')
    .description('Show the kernel arguments, or make a new deployment with them changed.')
    .option('--append <karg>', 'append a kernel argument (repeatable)', collect)
    .option('--append-if-missing <karg>', 'append unless present (repeatable)', collect)
    .option('--delete <karg>', 'delete a kernel argument (KEY, KEY=VALUE; repeatable)', collect)
    .option('--delete-if-present <karg>', 'delete if present (repeatable)', collect)
    .option('--replace <karg>', 'replace a value: KEY=VALUE or KEY=OLD=NEW (repeatable)', collect)
    .option('--unchanged-exit-77', 'exit 77 when the arguments would not change')
    .option('-r, --reboot', 'reboot afterwards')
    .option('--os <stateroot>', 'operate on this stateroot (default: the booted one)')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(async (opts: KargsOpts) => {
      rejectReboot(opts);
      const sysroot = await openSysroot(ctx, opts.sysroot);
      const base = baseDeployment(sysroot, opts.os);
      const editing = [opts.append, opts.appendIfMissing, opts.delete, opts.deleteIfPresent, opts.replace].some((l) => l && l.length > 0);
      if (!editing) {
        ctx.stdout(`${base.kernelArgs}\n`);
        return;
      }
      const kargs = KernelArgs.parse(base.kernelArgs);
      for (const arg of opts.replace ?? []) kargs.newReplace(arg);
      for (const arg of opts.delete ?? []) kargs.delete(arg);
      for (const arg of opts.deleteIfPresent ?? []) kargs.deleteIfPresent(arg);
      for (const arg of opts.append ?? []) kargs.append(arg);
      for (const arg of opts.appendIfMissing ?? []) kargs.appendIfMissing(arg);
      if (kargs.toString() === KernelArgs.parse(base.kernelArgs).toString()) {
        ctx.stdout('Kernel arguments unchanged.\n');
        if (opts.unchangedExit77) throw new ExitRequest(EXIT_UNCHANGED);
        return;
      }
      // Like rpm-ostree: a new deployment of the same commit and origin, with the new arguments.
      await deployLikeRpmOstree(ctx, sysroot, base, base.checksum, derivedOrigin(base.origin, {}), {
        extra: { kernelArgs: kargs.toArray() },
        summary: 'Kernel arguments updated.',
      });
    });
}
