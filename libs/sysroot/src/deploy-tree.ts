import { mkdir, readdir, rename, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, NotFoundError, fromSystemError, throwIfAborted } from '@tsostree/errors';
import { mergeEtc, type EtcMergeReport } from '@tsostree/etc-merge';
import { checkoutCommit, loadCommit, vardictGet, type KeyFile, type Repo } from '@tsostree/objstore';
import { deploymentRelPath, originRelPath, type Deployment } from './deployment.js';
import { parseDeploymentName } from './deployment-name.js';
import { assertNoSymlinkDirs, exists, rmrf, setImmutable, writeFileAtomic } from './fs-util.js';
import { findKernelLayout, type KernelLayout } from './kernel-layout.js';
import type { Sysroot } from './sysroot.js';

/** A deployment being written: loaded ones keep their entry; a new one has none yet. */
export type WorkDeployment = Omit<Deployment, 'kernelArgs'> & {
  /** undefined: not set yet (inherited from the merge deployment when finalized). */
  kernelArgs: string | undefined;
  /** The kernel layout found (and hashed) when this deployment was checked out, reused by the boot swap. */
  kernelLayout?: KernelLayout;
};

export interface DeployTreeOptions {
  stateroot: string;
  /** Commit checksum. */
  checksum: string;
  origin?: KeyFile;
  /** Replace the kernel arguments (otherwise inherited from the merge deployment). */
  kernelArgs?: string;
  overlayInitrds?: string[];
  signal?: AbortSignal;
  onMessage?: (line: string) => void;
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export async function failpoint(sysroot: Sysroot, name: string): Promise<void> {
  await sysroot.options.failpoint?.(name);
}

/** Serial for a new deployment of `checksum`: one more than the highest existing directory's (ostree's allocate_deployserial). */
export async function allocateDeployserial(root: string, stateroot: string, checksum: string): Promise<number> {
  let names: string[];
  try {
    names = (await readdir(join(root, 'ostree/deploy', stateroot, 'deploy'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (error) {
    if (code(error) === 'ENOENT') return 0;
    throw fromSystemError(error, `listing deployments of ${stateroot}`);
  }
  let serial = 0;
  for (const name of names) {
    let id;
    try {
      id = parseDeploymentName(name);
    } catch {
      continue;
    }
    if (id.checksum === checksum) serial = Math.max(serial, id.serial + 1);
  }
  return serial;
}

async function isEmptyDir(path: string): Promise<boolean | undefined> {
  try {
    return (await readdir(path)).length === 0;
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw fromSystemError(error, `listing ${path}`);
  }
}

/** ostree's prepare_deployment_etc: `/etc` of a fresh checkout becomes a copy of `usr/etc`. */
async function prepareDeploymentEtc(repo: Repo, checksum: string, dir: string, userMode: boolean): Promise<void> {
  const etc = join(dir, 'etc');
  const usrEtc = join(dir, 'usr/etc');
  const etcEmpty = await isEmptyDir(etc);
  let usrEtcExists = await exists(usrEtc);
  if (etcEmpty === true && usrEtcExists) await rmdir(etc);
  else if (etcEmpty === false) {
    if (usrEtcExists) throw new ConflictError('Tree contains both /etc and /usr/etc');
    try {
      await rename(etc, usrEtc);
    } catch (error) {
      throw fromSystemError(error, 'moving /etc to /usr/etc');
    }
    usrEtcExists = true;
  }
  // The copy comes from the repository (so /etc never shares inodes with /usr/etc).
  if (usrEtcExists) {
    const subpath = etcEmpty === false ? '/etc' : '/usr/etc';
    await checkoutCommit(repo, checksum, etc, { subpath, forceCopy: true, userMode });
  }
}

/**
 * ostree's sysroot_initialize_deployment: hardlink checkout into
 * `ostree/deploy/<stateroot>/deploy/<checksum>.<serial>`, boot checksum, fresh `/etc`.
 */
export async function initializeDeployment(sysroot: Sysroot, opts: DeployTreeOptions): Promise<WorkDeployment> {
  const { root } = sysroot;
  const { stateroot, checksum } = opts;
  if (!(await exists(join(root, 'ostree/deploy', stateroot)))) throw new NotFoundError(`No such stateroot: ${stateroot}`, { data: { stateroot } });
  const repo = await sysroot.repo();
  const serial = await allocateDeployserial(root, stateroot, checksum);
  const id = { stateroot, checksum, serial };
  const rel = deploymentRelPath(id);
  const dir = join(root, rel);
  await assertNoSymlinkDirs(root, `ostree/deploy/${stateroot}/deploy`);
  try {
    await mkdir(join(root, 'ostree/deploy', stateroot, 'deploy'), { recursive: true, mode: 0o775 });
  } catch (error) {
    throw fromSystemError(error, 'creating the deploy directory');
  }
  // Anything left from an interrupted checkout goes first.
  await rmrf(dir);
  await failpoint(sysroot, 'deploy:before-checkout');
  throwIfAborted(opts.signal);
  const userMode = repo.mode === 'bare-user' || repo.mode === 'bare-user-only' || process.getuid?.() !== 0;
  await checkoutCommit(repo, checksum, dir, { userMode, ...(opts.signal ? { signal: opts.signal } : {}) });
  await failpoint(sysroot, 'deploy:after-checkout');
  // The kernel hash (reads in the thread pool) and the /etc copy (small synchronous syscalls)
  // overlap; both finish before anything else, and a kernel error is reported first, like ostree.
  const [found, etc] = await Promise.allSettled([findKernelLayout(dir), prepareDeploymentEtc(repo, checksum, dir, userMode)]);
  if (found.status === 'rejected') throw found.reason;
  if (etc.status === 'rejected') throw etc.reason;
  const layout = found.value;
  await failpoint(sysroot, 'deploy:after-etc-copy');
  return {
    ...id,
    index: -1,
    bootcsum: layout.bootcsum,
    bootserial: -1,
    origin: opts.origin,
    refspec: opts.origin?.getString('origin', 'refspec'),
    bootconfig: undefined,
    entryFilename: undefined,
    kernelArgs: opts.kernelArgs,
    overlayInitrds: opts.overlayInitrds ?? [],
    pinned: false,
    staged: false,
    finalizationLocked: false,
    booted: false,
    unlocked: 'none',
    version: await commitVersionOf(repo, checksum),
    path: rel,
    kernelLayout: layout,
  };
}

async function commitVersionOf(repo: Repo, checksum: string): Promise<string | undefined> {
  try {
    const v = vardictGet((await loadCommit(repo, checksum)).metadata, 'version', 's');
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Writes (or replaces) a deployment's origin file. */
export async function writeOriginFile(root: string, d: Pick<Deployment, 'stateroot' | 'checksum' | 'serial'>, origin: KeyFile, sync = false): Promise<void> {
  await writeFileAtomic(join(root, originRelPath(d)), origin.toString(), { mode: 0o644, sync });
}

/**
 * ostree's sysroot_finalize_deployment: kernel arguments from the merge deployment unless set,
 * the `/etc` merge, `.updated` stamps removed, the `/var` relabel stamp, the origin file, sealing.
 */
export async function finalizeDeployment(
  sysroot: Sysroot,
  d: WorkDeployment,
  merge: Deployment | undefined,
  opts: { onMessage?: (line: string) => void; signal?: AbortSignal; immutable?: boolean } = {},
): Promise<{ deployment: WorkDeployment; etcMerge?: EtcMergeReport }> {
  const { root } = sysroot;
  const dir = join(root, d.path);
  let deployment = d;
  if (merge && deployment.kernelArgs === undefined) deployment = { ...deployment, kernelArgs: merge.kernelArgs };
  let etcMerge: EtcMergeReport | undefined;
  if (merge) {
    const mergeDir = join(root, merge.path);
    etcMerge = await mergeEtc({
      orig: join(mergeDir, 'usr/etc'),
      modified: join(mergeDir, 'etc'),
      next: join(dir, 'etc'),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    opts.onMessage?.(`Copying /etc changes: ${etcMerge.modified.length} modified, ${etcMerge.removed.length} removed, ${etcMerge.added.length} added`);
    await failpoint(sysroot, 'deploy:after-etc-merge');
  }
  const osDir = join(root, 'ostree/deploy', d.stateroot);
  for (const p of [join(dir, 'etc/.updated'), join(osDir, 'var/.updated')]) {
    await unlink(p).catch((error: unknown) => {
      if (code(error) !== 'ENOENT' && code(error) !== 'ENOTDIR') throw fromSystemError(error, `removing ${p}`);
    });
  }
  const stamp = join(osDir, 'var/.ostree-selabeled');
  if (!(await exists(stamp))) {
    opts.onMessage?.("Relabeling /var (no stamp file 'var/.ostree-selabeled' found)");
    if (await exists(join(osDir, 'var'))) await writeFileAtomic(stamp, '', { mode: 0o644 });
  }
  if (deployment.origin) await writeOriginFile(root, deployment, deployment.origin);
  await failpoint(sysroot, 'deploy:after-origin');
  if (opts.immutable !== false) await setImmutable(dir, true);
  return { deployment, ...(etcMerge ? { etcMerge } : {}) };
}
