import { lstat, mkdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, InvalidArgumentError, NotFoundError, fromSystemError, withContext } from '@tsostree/errors';
import { KernelArgs } from '@tsostree/bootloader';
import type { EtcMergeReport } from '@tsostree/etc-merge';
import { KeyFile, resolveCommit, withMetadataCache } from '@tsostree/objstore';
import { sameDeployment, type Deployment } from './deployment.js';
import { failpoint, finalizeDeployment, initializeDeployment, writeOriginFile, type WorkDeployment } from './deploy-tree.js';
import { parseStagedDeployment, serializeStagedDeployment, type StagedDeploymentRecord } from './format/staged-deployment.js';
import { rmrf, writeFileAtomic } from './fs-util.js';
import { retainedDeploymentList, type RetentionOptions } from './simple-write.js';
import { cleanupSysroot } from './sysroot-cleanup.js';
import { bumpDeployMtime } from './sysroot-init.js';
import { readSmallFile, stagedDeploymentPath, stagedLockedPath } from './sysroot-load.js';
import type { Sysroot } from './sysroot.js';
import { writeDeployments } from './write-deployments.js';

export interface DeployOptions extends RetentionOptions {
  /** `--os`: the stateroot (default: the booted deployment's). */
  stateroot?: string;
  /** `--origin-file`: the origin to write (default: `[origin] refspec=<revision as given>`). */
  origin?: KeyFile;
  /** Replace the kernel arguments entirely (e.g. `--karg-proc-cmdline`, rpm-ostree kargs). */
  kernelArgs?: string[];
  /** `--karg=K=V`: replace arguments with the same key (starting from the merge deployment's). */
  karg?: string[];
  /** `--karg-append=K=V`. */
  kargAppend?: string[];
  /** `--karg-delete=K[=V]`. */
  kargDelete?: string[];
  /** `--karg-none`: start from no arguments instead of the merge deployment's. */
  kargNone?: boolean;
  /** `--no-merge`: no configuration (/etc, kernel arguments) from the merge deployment. */
  noMerge?: boolean;
  /** `--no-prune`: skip the final cleanup and repository prune. */
  noPrune?: boolean;
  /** `--stage`: only prepare; `finalizeStaged` (at shutdown) does the /etc merge and the swap. Needs a booted deployment. */
  stage?: boolean;
  /** Staged only: finalization refuses until unlocked. */
  lockFinalization?: boolean;
  /** Overlay initrd checksums, from `Sysroot.stageOverlayInitrd` (`<runDir>/ostree/staged-initrds/<sha256>`). */
  overlayInitrds?: string[];
  /** Leave deployments mutable (ostree seals them with the immutable attribute). */
  mutable?: boolean;
  signal?: AbortSignal;
  /** Lines ostree prints (`Copying /etc changes: …`, `Bootloader updated; …`, `Freed objects: …`). */
  onMessage?: (line: string) => void;
}

export interface DeployResult {
  /** The new deployment, as loaded after the write. */
  deployment: Deployment;
  /** The /etc merge done (absent without a merge deployment, and for a staged deployment). */
  etcMerge?: EtcMergeReport;
  /** A new boot version was written. */
  bootconfigSwap: boolean;
}

/** The kernel arguments of a new deployment per ostree admin deploy; undefined = inherit from the merge deployment. */
export function newDeploymentKargs(merge: Deployment | undefined, opts: DeployOptions): string | undefined {
  if (opts.kernelArgs) return KernelArgs.parse(opts.kernelArgs.join(' ')).toString();
  const editing = (opts.karg?.length ?? 0) + (opts.kargAppend?.length ?? 0) + (opts.kargDelete?.length ?? 0) > 0;
  if (!editing && !opts.kargNone) return undefined;
  const kargs = KernelArgs.parse(opts.kargNone || !merge ? '' : merge.kernelArgs);
  kargs.replaceArgv(opts.karg ?? []);
  kargs.appendArgv(opts.kargAppend ?? []);
  for (const arg of opts.kargDelete ?? []) kargs.delete(arg);
  return kargs.toString();
}

function stagedRef(d: { stateroot: string; checksum: string; serial: number; bootcsum: string }) {
  return { stateroot: d.stateroot, checksum: d.checksum, serial: d.serial, bootcsum: d.bootcsum };
}

/** `ostree admin deploy` (see DeployOptions). The caller holds the sysroot lock. */
export async function deployLocked(sysroot: Sysroot, revision: string, opts: DeployOptions = {}): Promise<DeployResult> {
  await sysroot.reload();
  if (opts.stage && !sysroot.booted) throw new InvalidArgumentError('Cannot stage deployment: Not currently booted into an OSTree system');
  const stateroot = sysroot.resolveStateroot(opts.stateroot);
  const merge = opts.noMerge ? undefined : sysroot.mergeDeployment(stateroot);
  const repo = await sysroot.repo();
  let checksum: string;
  try {
    checksum = await resolveCommit(repo, revision);
  } catch (error) {
    throw withContext(`resolving ${revision}`, error);
  }
  let origin = opts.origin;
  if (!origin) {
    origin = new KeyFile();
    origin.setString('origin', 'refspec', revision);
  }
  const kernelArgs = newDeploymentKargs(merge, opts);
  // The checkout's dirtrees stay in memory until the prune at the end has walked them again.
  return withMetadataCache(repo, async () => {
    const work = await initializeDeployment(sysroot, {
      stateroot,
      checksum,
      origin,
      ...(kernelArgs !== undefined ? { kernelArgs } : {}),
      ...(opts.overlayInitrds ? { overlayInitrds: opts.overlayInitrds } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (opts.stage) return stage(sysroot, work, merge, kernelArgs, opts);

    const { deployment, etcMerge } = await finalizeDeployment(sysroot, work, merge, {
      ...(opts.onMessage ? { onMessage: opts.onMessage } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      immutable: !opts.mutable,
    });
    const list = retainedDeploymentList(sysroot.deployments, sysroot.booted, stateroot, deployment, merge, opts);
    const r = await writeDeployments(sysroot, list, {
      postclean: !opts.noPrune,
      ...(opts.onMessage ? { onMessage: opts.onMessage } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const loaded = sysroot.deployments.find((d) => sameDeployment(d, deployment));
    if (!loaded) throw new NotFoundError('the new deployment is not in the deployment list after writing it');
    return { deployment: loaded, ...(etcMerge ? { etcMerge } : {}), bootconfigSwap: r.bootconfigSwap };
  });
}

async function stage(sysroot: Sysroot, work: WorkDeployment, merge: Deployment | undefined, kernelArgs: string | undefined, opts: DeployOptions): Promise<DeployResult> {
  if (work.origin) await writeOriginFile(sysroot.root, work, work.origin);
  // ostree 2022.7 keeps the finalization lock out of the record (newer ostree adds a `locked`
  // key): it is the file /run/ostree/staged-deployment-locked alone, created before the record.
  const rec: StagedDeploymentRecord = { target: stagedRef(work) };
  if (merge) rec.merge = stagedRef(merge);
  if (kernelArgs !== undefined) rec.kargs = KernelArgs.parse(kernelArgs).toArray();
  if (opts.overlayInitrds) rec.overlayInitrds = opts.overlayInitrds;
  const file = stagedDeploymentPath(sysroot.runDir);
  try {
    await mkdir(join(sysroot.runDir, 'ostree'), { recursive: true, mode: 0o755 });
  } catch (error) {
    throw fromSystemError(error, `creating ${join(sysroot.runDir, 'ostree')}`);
  }
  // Like ostree 2022.7 (checked in sysroot-staged-differential.test.ts), the lock file outlives a
  // re-staging without the option; it goes with the staged deployment (undeploy, a plain deploy).
  if (opts.lockFinalization) await writeFileAtomic(stagedLockedPath(sysroot.runDir), '', { mode: 0o640 });
  await failpoint(sysroot, 'stage:before-record');
  await writeFileAtomic(file, serializeStagedDeployment(rec), { mode: 0o644 });
  const previous = sysroot.staged;
  if (previous && !sameDeployment(previous, work)) {
    await rmrf(join(sysroot.root, previous.path));
    await rm(`${join(sysroot.root, previous.path)}.origin`, { force: true });
  }
  await failpoint(sysroot, 'stage:after-record');
  await bumpDeployMtime(sysroot.root);
  await sysroot.reload();
  await cleanupSysroot(sysroot, { prune: false, ...(opts.onMessage ? { onMessage: opts.onMessage } : {}) });
  const loaded = sysroot.staged;
  if (!loaded || !sameDeployment(loaded, work)) throw new NotFoundError('the staged deployment is not loaded after staging it');
  return { deployment: loaded, bootconfigSwap: false };
}

export interface FinalizeResult {
  finalized: boolean;
  deployment?: Deployment;
  etcMerge?: EtcMergeReport;
}

const FINALIZE_FAILURE_STAMP = 'boot/ostree/finalize-failure.stamp';

/**
 * `ostree admin finalize-staged` (ostree-finalize-staged.service at shutdown): the staged
 * deployment gets its /etc merge now, from the merge deployment recorded at staging time, then
 * becomes the default deployment (no repository prune). A failure is recorded in
 * `boot/ostree/finalize-failure.stamp` like ostree does.
 */
export async function finalizeStagedLocked(sysroot: Sysroot, opts: { onMessage?: (line: string) => void; signal?: AbortSignal; mutable?: boolean } = {}): Promise<FinalizeResult> {
  await sysroot.reload();
  try {
    const r = await finalizeInner(sysroot, opts);
    await rm(join(sysroot.root, FINALIZE_FAILURE_STAMP), { force: true });
    return r;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await mkdir(join(sysroot.root, 'boot/ostree'), { recursive: true }).catch(() => undefined);
    await writeFileAtomic(join(sysroot.root, FINALIZE_FAILURE_STAMP), message).catch(() => undefined);
    throw error;
  }
}

async function finalizeInner(sysroot: Sysroot, opts: { onMessage?: (line: string) => void; signal?: AbortSignal; mutable?: boolean }): Promise<FinalizeResult> {
  const staged = sysroot.staged;
  if (!staged) {
    opts.onMessage?.('No deployment staged for finalization');
    return { finalized: false };
  }
  if (staged.finalizationLocked) {
    // ostree 2022.7 checks the lock file (and says so, to the journal); newer ostree also the record's `locked`.
    const lockedFile = stagedLockedPath(sysroot.runDir);
    const byFile = await lstat(lockedFile).then(() => true, () => false);
    opts.onMessage?.(byFile ? `Not finalizing; found ${lockedFile}` : 'Not finalizing; deployment is locked for finalization');
    return { finalized: false };
  }
  const file = stagedDeploymentPath(sysroot.runDir);
  const bytes = await readSmallFile(file, 16 * 1024 * 1024);
  if (!bytes) throw new NotFoundError(`${file} disappeared`);
  const rec = parseStagedDeployment(bytes);
  let merge: Deployment | undefined;
  if (rec.merge) {
    merge = sysroot.deployments.find((d) => !d.staged && sameDeployment(d, rec.merge));
    if (!merge) throw new NotFoundError(`Failed to find merge deployment ${rec.merge.checksum}.${rec.merge.serial} for staged`);
  }
  // Unlink the record first: an interrupted finalization must not be retried on a half-merged /etc.
  try {
    await unlink(file);
  } catch (error) {
    throw fromSystemError(error, `removing ${file}`);
  }
  await failpoint(sysroot, 'finalize:after-unlink-record');
  await sysroot.reload();
  const work: WorkDeployment = { ...staged, staged: false, kernelArgs: rec.kargs ? KernelArgs.parse(rec.kargs.join(' ')).toString() : undefined };
  const { deployment, etcMerge } = await finalizeDeployment(sysroot, work, merge, {
    ...(opts.onMessage ? { onMessage: opts.onMessage } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    immutable: !opts.mutable,
  });
  await failpoint(sysroot, 'finalize:after-finalize-deployment');
  const list = retainedDeploymentList(sysroot.deployments, sysroot.booted, staged.stateroot, deployment, merge);
  await writeDeployments(sysroot, list, { postclean: false, ...(opts.onMessage ? { onMessage: opts.onMessage } : {}) });
  await cleanupSysroot(sysroot, { prune: false });
  const loaded = sysroot.deployments.find((d) => sameDeployment(d, deployment));
  if (!loaded) throw new ConflictError('the finalized deployment is not in the deployment list');
  return { finalized: true, deployment: loaded, ...(etcMerge ? { etcMerge } : {}) };
}
