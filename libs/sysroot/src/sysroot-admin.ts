import { ConflictError, InvalidArgumentError, NotFoundError } from '@tsostree/errors';
import { KernelArgs, createFsSysrootPorts, editCurrentLoaderEntries, editEntryKernelArgs } from '@tsostree/bootloader';
import { KeyFile } from '@tsostree/objstore';
import { ORIGIN_TRANSIENT_GROUP, sameDeployment, type Deployment } from './deployment.js';
import { writeOriginFile, type WorkDeployment } from './deploy-tree.js';
import { bumpDeployMtime } from './sysroot-init.js';
import type { Sysroot } from './sysroot.js';
import { writeDeployments, type WriteDeploymentsResult } from './write-deployments.js';

export interface AdminOptions {
  onMessage?: (line: string) => void;
  signal?: AbortSignal;
}

function work(d: Deployment): WorkDeployment {
  return d;
}

/** `ostree admin undeploy INDEX`: drops a deployment (not the booted one), then cleans up. */
export async function undeployLocked(sysroot: Sysroot, index: number, opts: AdminOptions = {}): Promise<Deployment> {
  await sysroot.reload();
  const target = sysroot.deploymentAt(index);
  if (target.booted) throw new ConflictError(`Cannot undeploy currently booted deployment ${index}`, { data: { index } });
  const list = sysroot.deployments.filter((d) => d !== target).map(work);
  await writeDeployments(sysroot, list, { postclean: true, ...opts });
  opts.onMessage?.(`Deleted deployment ${target.checksum}.${target.serial}`);
  return target;
}

/** Makes the deployment at `index` the default (first), keeping the others in order (libostree's write_deployments). */
export async function setDefaultLocked(sysroot: Sysroot, index: number, opts: AdminOptions = {}): Promise<WriteDeploymentsResult> {
  await sysroot.reload();
  const target = sysroot.deploymentAt(index);
  if (target.staged) throw new InvalidArgumentError('Cannot make a staged deployment the default; finalize it');
  const list = [target, ...sysroot.deployments.filter((d) => d !== target && !d.staged)].map(work);
  return writeDeployments(sysroot, list, { postclean: true, ...opts });
}

/**
 * `rpm-ostree rollback` (rpmostreed-transaction-types.cxx): the rollback deployment (the stateroot's
 * first one after the booted deployment) becomes the default; when there is none but a pending
 * deployment sits above the booted one, the booted deployment moves back on top (undoing an upgrade
 * before reboot, or a previous rollback). A staged pending deployment is refused. On a sysroot
 * nothing is booted from, the stateroot's second deployment is the rollback. The rest keep their
 * order; nothing is written when the default does not change.
 */
export async function rollbackLocked(sysroot: Sysroot, stateroot: string | undefined, opts: AdminOptions = {}): Promise<Deployment> {
  await sysroot.reload();
  const os = sysroot.resolveStateroot(stateroot);
  let target: Deployment | undefined;
  if (sysroot.booted) {
    const { pending, rollback } = sysroot.queryDeploymentsFor(os);
    if (!rollback && !pending) throw new NotFoundError('No rollback deployment found');
    if (pending?.staged) throw new ConflictError('Staged deployment (remove with cleanup -p)');
    target = rollback ?? sysroot.booted;
  } else {
    target = sysroot.deployments.filter((d) => d.stateroot === os && !d.staged)[1];
    if (!target) throw new NotFoundError('No rollback deployment found');
  }
  const chosen = target;
  if (sameDeployment(sysroot.deployments[0], chosen)) return chosen;
  const list = [chosen, ...sysroot.deployments.filter((d) => !sameDeployment(d, chosen) && !d.staged)].map(work);
  await writeDeployments(sysroot, list, { postclean: true, ...opts });
  return chosen;
}

/** `ostree admin pin [--unpin] INDEX` (ostree_sysroot_deployment_set_pinned): a key in the origin's transient group. */
export async function setPinnedLocked(sysroot: Sysroot, index: number, pinned: boolean): Promise<boolean> {
  await sysroot.reload();
  const d = sysroot.deploymentAt(index);
  if (d.staged) throw new InvalidArgumentError('Cannot pin staged deployment');
  if (d.pinned === pinned) return false;
  const origin = d.origin ? KeyFile.parse(d.origin.toString()) : new KeyFile();
  if (pinned) origin.setBoolean(ORIGIN_TRANSIENT_GROUP, 'pinned', true);
  else origin.removeKey(ORIGIN_TRANSIENT_GROUP, 'pinned');
  await writeOriginFile(sysroot.root, d, origin, true);
  await bumpDeployMtime(sysroot.root);
  await sysroot.reload();
  return true;
}

/** ostree_sysroot_deployment_set_kargs: replaces a deployment's kernel arguments through a new boot version. */
export async function setKernelArgsLocked(sysroot: Sysroot, index: number, kargs: string[], opts: AdminOptions = {}): Promise<WriteDeploymentsResult> {
  await sysroot.reload();
  const target = sysroot.deploymentAt(index);
  if (target.staged) throw new InvalidArgumentError('Cannot change the kernel arguments of a staged deployment this way');
  const kernelArgs = KernelArgs.parse(kargs.join(' ')).toString();
  const list = sysroot.deployments.filter((d) => !d.staged).map((d) => (sameDeployment(d, target) ? { ...d, kernelArgs } : work(d)));
  return writeDeployments(sysroot, list, { postclean: true, ...opts });
}

/**
 * `ostree admin kargs edit-in-place`: edits every current entry's options in place (no new boot
 * version). Refused while a deployment is staged (its arguments live in the staged record).
 */
export async function editKargsInPlaceLocked(sysroot: Sysroot, edit: (kargs: KernelArgs) => void): Promise<void> {
  await sysroot.reload();
  if (sysroot.staged) throw new ConflictError('Cannot edit kernel arguments in place while a deployment is staged');
  const { read, write } = createFsSysrootPorts(sysroot.root);
  await editCurrentLoaderEntries({ read, write, edit: (entry) => editEntryKernelArgs(entry, edit) });
  await sysroot.reload();
}
