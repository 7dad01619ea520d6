import { readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fromSystemError, throwIfAborted } from '@tsostree/errors';
import { listRefs, pruneRepo, writeRef } from '@tsostree/objstore';
import { deploymentRelPath } from './deployment.js';
import { parseDeploymentName } from './deployment-name.js';
import { failpoint } from './deploy-tree.js';
import { isValidStateroot } from './format/bootlink.js';
import { rmrf } from './fs-util.js';
import type { Sysroot } from './sysroot.js';
import { cleanupOverlayInitrds } from './overlay-initrd.js';

export interface CleanupOptions {
  /** Also prune the repository (refs only, depth 0, like ostree_sysroot_cleanup). Default true. */
  prune?: boolean;
  onMessage?: (line: string) => void;
  signal?: AbortSignal;
  /** Objects of the deployed commits' trees, already walked (see markDeployedTrees). */
  reachable?: Set<string>;
}

export interface CleanupResult {
  /** Deployment directories removed. */
  removedDeployments: string[];
  /** `boot/ostree/<stateroot>-<bootcsum>` directories removed. */
  removedBootDirs: string[];
  prunedObjects: number;
  freedBytes: number;
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function listDir(path: string): Promise<import('node:fs').Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return [];
    throw fromSystemError(error, `listing ${path}`);
  }
}

/** GLib's g_format_size (SI units, one decimal), as ostree prints freed space. */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return bytes === 1 ? '1 byte' : `${bytes} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  // GLib separates number and unit with a no-break space (U+00A0); only "bytes" gets a plain one.
  return `${value.toFixed(1)}\u00a0${units[unit]}`;
}

/**
 * ostree_sysroot_cleanup: removes the three inactive boot versions (`boot/loader.<other>`,
 * `ostree/boot.<other>*`, the other sub-boot version), deployment directories and
 * `boot/ostree/*-<bootcsum>` directories no entry references, rewrites the `ostree/<bv>/<sub>/<i>`
 * refs that keep deployed commits alive, and (by default) prunes the repository.
 */
export async function cleanupSysroot(sysroot: Sysroot, opts: CleanupOptions = {}): Promise<CleanupResult> {
  const { root } = sysroot;
  const bv = sysroot.bootVersion;
  const sub = sysroot.subbootVersion;
  const other = bv === 0 ? 1 : 0;
  const otherSub = sub === 0 ? 1 : 0;
  for (const p of [`boot/loader.${other}`, `ostree/boot.${other}`, `ostree/boot.${other}.0`, `ostree/boot.${other}.1`, `ostree/boot.${bv}.${otherSub}`]) {
    await rmrf(join(root, p));
  }
  await failpoint(sysroot, 'cleanup:after-bootversions');

  const active = new Set(sysroot.deployments.map((d) => d.path));
  const activeBootcsums = new Set(sysroot.deployments.map((d) => d.bootcsum));
  const removedDeployments: string[] = [];
  for (const os of await listDir(join(root, 'ostree/deploy'))) {
    if (!os.isDirectory() || !isValidStateroot(os.name)) continue;
    for (const e of await listDir(join(root, 'ostree/deploy', os.name, 'deploy'))) {
      if (!e.isDirectory()) continue;
      let id;
      try {
        id = parseDeploymentName(e.name);
      } catch {
        continue;
      }
      const rel = deploymentRelPath({ stateroot: os.name, ...id });
      if (active.has(rel)) continue;
      throwIfAborted(opts.signal);
      // The origin goes first: a directory without origin is clearly garbage if we are interrupted.
      await rm(join(root, `${rel}.origin`), { force: true });
      await rmrf(join(root, rel));
      removedDeployments.push(rel);
      await failpoint(sysroot, 'cleanup:after-deployment-removed');
    }
  }
  const removedBootDirs: string[] = [];
  for (const e of await listDir(join(root, 'boot/ostree'))) {
    if (!e.isDirectory()) continue;
    const dash = e.name.lastIndexOf('-');
    const csum = e.name.slice(dash + 1);
    if (dash < 0 || !/^[0-9a-f]{64}$/.test(csum)) continue;
    if (activeBootcsums.has(csum)) continue;
    await rmrf(join(root, 'boot/ostree', e.name));
    removedBootDirs.push(`boot/ostree/${e.name}`);
  }
  removedBootDirs.push(...(await cleanupOverlayInitrds(root, sysroot.deployments)));
  await failpoint(sysroot, 'cleanup:after-bootdirs');

  const repo = await sysroot.repo();
  // Refs of the other boot versions go (ref files only; ostree leaves the directories).
  for (const prefix of [`ostree/${other}/0/`, `ostree/${other}/1/`, `ostree/${bv}/${otherSub}/`]) {
    for (const name of (await listRefs(repo, { prefix, remotes: false })).keys()) {
      await unlink(repo.resolve('refs', 'heads', name)).catch((error: unknown) => {
        if (code(error) !== 'ENOENT') throw fromSystemError(error, `deleting ref ${name}`);
      });
    }
  }
  for (let i = 0; i < sysroot.deployments.length; i++) {
    await writeRef(repo, `ostree/${bv}/${sub}/${i}`, sysroot.deployments[i]!.checksum);
  }
  await failpoint(sysroot, 'cleanup:after-refs');

  let prunedObjects = 0;
  let freedBytes = 0;
  if (opts.prune !== false) {
    const r = await pruneRepo(repo, {
      refsOnly: true,
      depth: 0,
      ...(opts.reachable ? { reachable: opts.reachable } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    prunedObjects = r.deleted;
    freedBytes = r.freedBytes;
    if (freedBytes > 0) opts.onMessage?.(`Freed objects: ${formatSize(freedBytes)}`);
  }
  return { removedDeployments, removedBootDirs, prunedObjects, freedBytes };
}
