import { chmod, copyFile, link, lstat, mkdir, open, readdir, readFile, readlink, rename, rm, stat, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, NotFoundError, fromSystemError, throwIfAborted } from '@tsostree/errors';
import {
  blsEntryFilename,
  buildDeploymentEntry,
  createFsSysrootPorts,
  detectBootloader,
  nonOstreeKernelArgs,
  parseBlsAppendExceptDefault,
  type LoaderEntry,
} from '@tsostree/bootloader';
import { sameDeployment, type Deployment } from './deployment.js';
import { failpoint, type WorkDeployment } from './deploy-tree.js';
import { assertNoSymlinkDirs, exists, fsyncDir, installIntoBoot, rmrf, symlinkReplace, syncFilesystem } from './fs-util.js';
import { installOverlayInitrds } from './overlay-initrd.js';
import { findKernelLayout, type KernelLayout } from './kernel-layout.js';
import { readSubbootVersion, stagedDeploymentPath, stagedLockedPath } from './sysroot-load.js';
import { bumpDeployMtime } from './sysroot-init.js';
import { cleanupSysroot } from './sysroot-cleanup.js';
import { markDeployedTrees } from './prune-seed.js';
import type { Sysroot } from './sysroot.js';

export interface WriteDeploymentsOptions {
  /** Run the full cleanup afterwards (ostree's do_postclean), including the repository prune. */
  postclean?: boolean;
  onMessage?: (line: string) => void;
  signal?: AbortSignal;
}

export interface WriteDeploymentsResult {
  /** A new boot version was written (false: only the sub-boot version's symlinks changed). */
  bootconfigSwap: boolean;
  /** Nothing changed at all. */
  noop: boolean;
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function assignBootserials(list: WorkDeployment[]): WorkDeployment[] {
  const counts = new Map<string, number>();
  return list.map((d) => {
    const n = counts.get(d.bootcsum) ?? 0;
    counts.set(d.bootcsum, n + 1);
    return { ...d, bootserial: n };
  });
}

/** ostree's deployment_bootconfigs_equal. */
function bootconfigsEqual(a: WorkDeployment, b: WorkDeployment): boolean {
  return (
    a.bootcsum === b.bootcsum &&
    a.overlayInitrds.join(',') === b.overlayInitrds.join(',') &&
    nonOstreeKernelArgs(a.kernelArgs ?? '') === nonOstreeKernelArgs(b.kernelArgs ?? '') &&
    a.version === b.version &&
    a.stateroot === b.stateroot
  );
}

/** `ostree/boot.<bv>.<sub>/<stateroot>/<bootcsum>/<bootserial>` → the deployment directory. */
async function createBootlinks(root: string, bootVersion: 0 | 1, subboot: 0 | 1, list: WorkDeployment[]): Promise<void> {
  const dir = join(root, 'ostree', `boot.${bootVersion}.${subboot}`);
  await rmrf(dir);
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    for (const d of list) {
      const parent = join(dir, d.stateroot, d.bootcsum);
      await mkdir(parent, { recursive: true, mode: 0o755 });
      await symlinkReplace(`../../../deploy/${d.stateroot}/deploy/${d.checksum}.${d.serial}`, join(parent, String(d.bootserial)));
    }
  } catch (error) {
    throw fromSystemError(error, 'Creating new current bootlinks');
  }
}


async function copyDirRecurse(src: string, dest: string): Promise<void> {
  const st = await stat(src);
  await mkdir(dest, { recursive: true, mode: 0o700 });
  await chmod(dest, st.mode & 0o7777);
  for (const e of await readdir(src, { withFileTypes: true })) {
    const s = join(src, e.name);
    const d = join(dest, e.name);
    if (e.isDirectory()) await copyDirRecurse(s, d);
    else if (e.isFile()) {
      await rm(d, { force: true });
      await copyFile(s, d);
      await chmod(d, (await stat(s)).mode & 0o7777);
    } else if (e.isSymbolicLink()) {
      await rm(d, { force: true });
      await symlink(await readlink(s), d);
    }
  }
}

async function installKernel(root: string, d: WorkDeployment, layout: KernelLayout): Promise<void> {
  const bootcsumDir = join(root, 'boot/ostree', `${d.stateroot}-${d.bootcsum}`);
  await assertNoSymlinkDirs(root, `boot/ostree/${d.stateroot}-${d.bootcsum}`);
  try {
    await mkdir(bootcsumDir, { recursive: true, mode: 0o775 });
  } catch (error) {
    throw fromSystemError(error, `creating ${bootcsumDir}`);
  }
  for (const [src, name] of layout.files) await installIntoBoot(join(layout.sourceDir, src), join(bootcsumDir, name));
  if (layout.devicetreeDir) await copyDirRecurse(join(layout.sourceDir, layout.devicetreeDir), join(bootcsumDir, layout.devicetreeDir));
}

async function readOsRelease(dir: string): Promise<string> {
  for (const p of ['usr/lib/os-release', 'etc/os-release']) {
    try {
      return await readFile(join(dir, p), 'utf8');
    } catch (error) {
      if (code(error) !== 'ENOENT') throw fromSystemError(error, `Reading /${p}`);
    }
  }
  throw new NotFoundError('Reading /etc/os-release: No such file or directory');
}

/**
 * ostree_sysroot_write_deployments_with_options: makes `list` (boot order, default first) the
 * deployment list. Writes a new boot version (kernels, entries, bootloader config, bootlinks,
 * then the atomic `boot/loader` swap), or only swaps the sub-boot version's bootlinks when the
 * boot configuration is unchanged position by position.
 */
export async function writeDeployments(sysroot: Sysroot, requested: WorkDeployment[], opts: WriteDeploymentsOptions = {}): Promise<WriteDeploymentsResult> {
  const { root } = sysroot;
  const current: Deployment[] = [...sysroot.deployments];
  const staged = sysroot.staged;
  // A staged deployment survives only as the first entry of the new list.
  let removedStaged = staged !== undefined;
  if (staged && requested.length > 0 && requested[0]!.staged && sameDeployment(requested[0], staged)) removedStaged = false;
  let list = requested.filter((d) => !d.staged);
  if (removedStaged && staged) {
    await unlink(stagedDeploymentPath(sysroot.runDir)).catch(() => undefined);
    await rmrf(join(root, staged.path));
    await rm(`${join(root, staged.path)}.origin`, { force: true });
    // ostree 2022.7 drops the finalization lock with the staged deployment (but not when staging again).
    await rm(stagedLockedPath(sysroot.runDir), { force: true });
    current.shift();
  }
  const currentNonStaged = current.filter((d) => !d.staged);
  list = assignBootserials(list);

  let requiresNewBootversion = list.length !== currentNonStaged.length;
  if (!requiresNewBootversion) {
    let noop = true;
    for (let i = 0; i < list.length; i++) {
      const cur = currentNonStaged[i]!;
      const next = list[i]!;
      if (!bootconfigsEqual(cur, next)) {
        requiresNewBootversion = true;
        noop = false;
        break;
      }
      if (!sameDeployment(cur, next) || (cur.kernelArgs ?? '') !== (next.kernelArgs ?? '')) noop = false;
    }
    if (noop) {
      if (removedStaged) {
        // Dropping only the staged deployment: no bootlinks to swap, but ostree 2022.7 still runs
        // its post-clean (deployment refs regenerated without it; seen by the booted differential test).
        await finish(sysroot);
        if (opts.postclean !== false) await cleanupSysroot(sysroot, { prune: true, ...(opts.onMessage ? { onMessage: opts.onMessage } : {}) });
      }
      return { bootconfigSwap: false, noop: true };
    }
  }

  // The prune at the end walks these commits' trees: start now, in the waits of the boot swap.
  const premark = opts.postclean !== false ? markDeployedTrees(await sysroot.repo(), list.map((d) => d.checksum)) : undefined;
  let foundBooted = false;
  for (const d of list) {
    if (sysroot.booted && sameDeployment(d, sysroot.booted)) foundBooted = true;
    if (!(await exists(join(root, d.path)))) throw new NotFoundError(`Unable to find expected deployment root: ${join(root, d.path)}`);
  }
  if (sysroot.booted && !foundBooted) throw new ConflictError('Attempting to remove booted deployment');
  throwIfAborted(opts.signal);

  let atomic: boolean;
  let subbootDir: string;
  if (!requiresNewBootversion) {
    const bv = sysroot.bootVersion;
    const sub = sysroot.subbootVersion === 0 ? 1 : 0;
    await createBootlinks(root, bv, sub, list);
    await failpoint(sysroot, 'swap:after-bootlinks');
    if (sysroot.options.sync !== false) await syncFilesystem(root);
    await symlinkReplace(`boot.${bv}.${sub}`, join(root, 'ostree', `boot.${bv}`));
    await failpoint(sysroot, 'swap:after-subbootversion-swap');
    atomic = true;
    subbootDir = `boot.${bv}.${sub}`;
  } else {
    const r = await bootswap(sysroot, list, opts);
    atomic = r.atomic;
    subbootDir = r.subbootDir;
  }
  opts.onMessage?.(
    `${atomic ? 'Transaction complete' : 'Bootloader updated'}; bootconfig swap: ${requiresNewBootversion ? 'yes' : 'no'}; bootversion: ${subbootDir}, deployment count change: ${list.length - current.length}`,
  );
  await finish(sysroot);
  if (opts.postclean !== false) {
    const reachable = await premark;
    await cleanupSysroot(sysroot, { prune: true, ...(reachable ? { reachable } : {}), ...(opts.onMessage ? { onMessage: opts.onMessage } : {}) });
  }
  return { bootconfigSwap: requiresNewBootversion, noop: false };
}

async function finish(sysroot: Sysroot): Promise<void> {
  await bumpDeployMtime(sysroot.root);
  await sysroot.reload();
  for (const d of sysroot.deployments) await rm(join(sysroot.root, 'ostree/deploy', d.stateroot, 'current'), { force: true });
}

async function bootswap(sysroot: Sysroot, list: WorkDeployment[], opts: WriteDeploymentsOptions): Promise<{ atomic: boolean; subbootDir: string }> {
  const { root } = sysroot;
  const newBv: 0 | 1 = sysroot.bootVersion === 0 ? 1 : 0;
  const repo = await sysroot.repo();
  const setting = (() => {
    try {
      return repo.config.getString('sysroot', 'bootloader') ?? 'auto';
    } catch {
      return 'auto';
    }
  })();
  const appendRaw = (() => {
    try {
      return repo.config.getString('sysroot', 'bls-append-except-default');
    } catch {
      return undefined;
    }
  })();
  const blsAppendExceptDefault = appendRaw ? parseBlsAppendExceptDefault(appendRaw) : undefined;

  const entriesDir = join(root, `boot/loader.${newBv}/entries`);
  await assertNoSymlinkDirs(root, `boot/loader.${newBv}`);
  await assertNoSymlinkDirs(root, 'ostree');
  await rmrf(entriesDir);
  try {
    await mkdir(entriesDir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw fromSystemError(error, `creating ${entriesDir}`);
  }
  const showStateroot = list.some((d) => d.stateroot !== list[0]!.stateroot);
  const entries: LoaderEntry[] = [];
  for (let index = 0; index < list.length; index++) {
    throwIfAborted(opts.signal);
    const d = list[index]!;
    const dir = join(root, d.path);
    // The new deployment's kernel was hashed moments ago, when it was checked out, and an existing
    // deployment's boot checksum is in its entry: neither is hashed again.
    const layout = d.kernelLayout?.bootcsum === d.bootcsum ? d.kernelLayout : await findKernelLayout(dir, { bootcsum: d.bootcsum });
    await installKernel(root, d, layout);
    await installOverlayInitrds(root, sysroot.runDir, d.overlayInitrds);
    const entry = buildDeploymentEntry({
      ...(d.bootconfig ? { bootconfig: d.bootconfig } : {}),
      kernelArgs: d.kernelArgs ?? d.bootconfig?.options ?? '',
      osRelease: await readOsRelease(dir),
      ...(d.version !== undefined ? { commitVersion: d.version } : {}),
      stateroot: d.stateroot,
      index,
      deploymentCount: list.length,
      showStateroot,
      bootVersion: newBv,
      bootcsum: d.bootcsum,
      bootserial: d.bootserial,
      kernel: layout.names,
      overlayInitrds: d.overlayInitrds,
      ...(blsAppendExceptDefault ? { blsAppendExceptDefault } : {}),
    });
    entries.push({ filename: blsEntryFilename({ index, deploymentCount: list.length, stateroot: d.stateroot, naming: 'with-stateroot' }), entry });
  }
  await failpoint(sysroot, 'swap:after-kernels');
  const oldSub = await readSubbootVersion(root, newBv);
  const newSub: 0 | 1 = oldSub === 0 ? 1 : 0;
  await createBootlinks(root, newBv, newSub, list);
  await symlinkReplace(`boot.${newBv}.${newSub}`, join(root, 'ostree', `boot.${newBv}`));
  await failpoint(sysroot, 'swap:after-bootlinks');

  const { read, write } = createFsSysrootPorts(root);
  const backend = await detectBootloader(read, { setting });
  await backend.writeConfig({ bootVersion: newBv, entries, read, write, ...(opts.signal ? { signal: opts.signal } : {}) });
  await failpoint(sysroot, 'swap:after-entries');

  // boot/boot -> . lets /boot be its own partition or a directory of /.
  try {
    await symlink('.', join(root, 'boot/boot'));
  } catch (error) {
    if (code(error) !== 'EEXIST') throw fromSystemError(error, 'symlinkat boot/boot');
  }
  await symlinkReplace(`loader.${newBv}`, join(root, 'boot/loader.tmp'));
  if (sysroot.options.sync !== false) {
    await syncFilesystem(root);
    if ((await lstat(join(root, 'boot'))).dev !== (await lstat(root)).dev) await syncFilesystem(join(root, 'boot'));
  }
  await failpoint(sysroot, 'swap:before-loader-rename');
  try {
    await rename(join(root, 'boot/loader.tmp'), join(root, 'boot/loader'));
  } catch (error) {
    throw fromSystemError(error, 'Final bootloader swap');
  }
  if (sysroot.options.sync !== false) await fsyncDir(join(root, 'boot'));
  await failpoint(sysroot, 'swap:after-loader-rename');
  await backend.postBlsSync?.({ bootVersion: newBv, read, write });
  // ostree has no bootloader object for plain BLS (none detected): reported as not atomic.
  const atomic = backend.name !== 'bls' && backend.isAtomic;
  return { atomic, subbootDir: `boot.${newBv}.${newSub}` };
}
