// What the rpm-ostree client verbs share: --reboot, --os, and making a new deployment the way
// rpm-ostree does (staged when the system is booted, written directly otherwise).
import { UnsupportedError } from '@tsostree/errors';
import type { KeyFile } from '@tsostree/objstore';
import type { DeployOptions, Deployment, Sysroot } from '@tsostree/sysroot';
import type { CliContext } from '../context.js';
import { printLines } from './sysroot-option.js';

/** rpm-ostree exits 77 when `--unchanged-exit-77` is given and nothing changed. */
export const EXIT_UNCHANGED = 77;

export const REBOOT_HINT = 'Run "systemctl reboot" to start a reboot\n';

export function rejectReboot(opts: { reboot?: boolean }): void {
  if (opts.reboot) throw new UnsupportedError('--reboot is not supported: tsostree never reboots the machine; run "systemctl reboot" afterwards');
}

/**
 * Deploys `target` with `origin` next to `base` like rpm-ostree: staged (finalized at shutdown,
 * /etc merged then) when a deployment is booted, else written at once with the /etc merge now.
 */
export async function deployLikeRpmOstree(
  ctx: CliContext,
  sysroot: Sysroot,
  base: Deployment,
  target: string,
  origin: KeyFile,
  opts: { extra?: Pick<DeployOptions, 'kernelArgs'>; summary?: string } = {},
): Promise<Deployment> {
  const stage = sysroot.booted !== undefined;
  const result = await sysroot.deploy(target, { stateroot: base.stateroot, origin, stage, ...opts.extra, onMessage: printLines(ctx) });
  if (stage) ctx.stdout('Staging deployment... done\n');
  if (opts.summary !== undefined) ctx.stdout(`${opts.summary}\n`);
  ctx.stdout(REBOOT_HINT);
  return result.deployment;
}
