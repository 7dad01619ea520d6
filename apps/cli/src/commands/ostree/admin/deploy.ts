import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { InvalidArgumentError, fromSystemError } from '@tsostree/errors';
import { KernelArgs } from '@tsostree/bootloader';
import { KeyFile } from '@tsostree/objstore';
import type { CliContext } from '../../../context.js';
import { openSysroot, printLines } from '../../sysroot-option.js';
import { cliPath, collect } from '../repo-option.js';

interface DeployOpts {
  sysroot?: string;
  os?: string;
  stateroot?: string;
  originFile?: string;
  karg?: string[];
  kargAppend?: string[];
  kargDelete?: string[];
  kargNone?: boolean;
  kargProcCmdline?: boolean;
  retain?: boolean;
  retainPending?: boolean;
  retainRollback?: boolean;
  notAsDefault?: boolean;
  noPrune?: boolean;
  prune: boolean;
  stage?: boolean;
  lockFinalization?: boolean;
  merge: boolean;
  overlayInitrd?: string[];
}

/** `--os` and its newer spelling `--stateroot`. */
export function staterootOption(opts: { os?: string; stateroot?: string }): string | undefined {
  if (opts.os !== undefined && opts.stateroot !== undefined && opts.os !== opts.stateroot) {
    throw new InvalidArgumentError('--os and --stateroot name different stateroots');
  }
  return opts.stateroot ?? opts.os;
}

/** `tsostree ostree admin deploy` */
export function adminDeployCommand(ctx: CliContext): Command {
  return new Command('deploy')
    .summary('Deploy a commit')
    .description('Checkout revision REFSPEC as the new default deployment.')
    .argument('<refspec>')
    .option('--sysroot <path>', 'sysroot (default /)')
    .option('--os <stateroot>', 'stateroot to deploy into')
    .option('--stateroot <stateroot>', 'stateroot to deploy into')
    .option('--origin-file <file>', 'origin file to use')
    .option('--no-prune', "don't prune the repository when done")
    .option('--no-merge', 'do not take /etc and kernel arguments from the booted deployment')
    .option('--retain', 'keep every existing deployment')
    .option('--stage', 'finalize at shutdown')
    .option('--lock-finalization', 'keep the staged deployment from being finalized')
    .option('--retain-pending', 'keep pending deployments')
    .option('--retain-rollback', 'keep rollback deployments')
    .option('--not-as-default', 'append rather than prepend the new deployment')
    .option('--karg-proc-cmdline', "use the running kernel's arguments")
    .option('--karg <karg>', 'set a kernel argument, replacing one with the same name (repeatable)', collect)
    .option('--karg-append <karg>', 'append a kernel argument (repeatable)', collect)
    .option('--karg-none', 'do not import kernel arguments')
    .option('--karg-delete <karg>', 'delete a kernel argument if present (repeatable)', collect)
    .option('--overlay-initrd <file>', 'overlay initramfs file (repeatable)', collect)
    .action(async (refspec: string, opts: DeployOpts) => {
      if (opts.kargProcCmdline && opts.kargNone) throw new InvalidArgumentError("Can't specify both --karg-proc-cmdline and --karg-none");
      if (opts.kargNone && opts.kargDelete) throw new InvalidArgumentError("Can't specify both --karg-none and --karg-delete");
      if (!opts.merge && opts.kargDelete) throw new InvalidArgumentError("Can't specify both --no-merge and --karg-delete");
      if (opts.stage && (opts.retainPending || opts.retainRollback)) {
        throw new InvalidArgumentError('--stage cannot currently be combined with --retain arguments');
      }
      if (opts.stage && opts.notAsDefault) throw new InvalidArgumentError('--stage cannot currently be combined with --not-as-default');
      let origin: KeyFile | undefined;
      if (opts.originFile !== undefined) {
        const path = cliPath(ctx, opts.originFile);
        let text: string;
        try {
          text = await readFile(path, 'utf8');
        } catch (error) {
          throw fromSystemError(error, `reading origin file ${path}`);
        }
        origin = KeyFile.parse(text);
      }
      let kernelArgs: string[] | undefined;
      if (opts.kargProcCmdline) {
        const cmdline = await readFile('/proc/cmdline', 'utf8').catch((error: unknown) => {
          throw fromSystemError(error, 'reading /proc/cmdline');
        });
        const kargs = KernelArgs.parse(cmdline.trim()).replaceArgv(opts.karg ?? []).appendArgv(opts.kargAppend ?? []);
        for (const arg of opts.kargDelete ?? []) kargs.deleteIfPresent(arg);
        kernelArgs = kargs.toArray();
      }
      const sysroot = await openSysroot(ctx, opts.sysroot);
      // Like ostree: each overlay is copied into <run>/ostree/staged-initrds/ first, then named by its sha256.
      const overlayInitrds: string[] = [];
      for (const file of opts.overlayInitrd ?? []) overlayInitrds.push(await sysroot.stageOverlayInitrd(cliPath(ctx, file)));
      await sysroot.deploy(refspec, {
        ...(overlayInitrds.length > 0 ? { overlayInitrds } : {}),
        stateroot: staterootOption(opts),
        ...(origin ? { origin } : {}),
        ...(kernelArgs ? { kernelArgs } : { karg: opts.karg, kargAppend: opts.kargAppend }),
        ...(kernelArgs ? {} : { kargDelete: opts.kargDelete }),
        kargNone: opts.kargNone === true,
        noMerge: !opts.merge,
        noPrune: !opts.prune,
        retain: opts.retain === true,
        retainPending: opts.retainPending === true,
        retainRollback: opts.retainRollback === true,
        notAsDefault: opts.notAsDefault === true,
        stage: opts.stage === true,
        lockFinalization: opts.lockFinalization === true,
        onMessage: printLines(ctx),
      });
    });
}
