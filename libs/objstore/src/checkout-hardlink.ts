/**
 * The hardlink checkout fast path (a fresh target, objects on the same filesystem). The whole tree
 * is planned first, from the dirtree objects alone: every name is validated before anything is
 * written. Then directories are created (parents first), files are linked by the main thread and
 * a worker thread together, and directory metadata is applied last (children first, so a read-only
 * directory does not block its own checkout and the mtimes stay at 0).
 *
 * The syscalls run synchronously, in chunks with a yield to the event loop between them: each
 * costs microseconds, and an async round trip through the libuv pool costs more than the call.
 */
import { availableParallelism } from 'node:os';
import { linkSync, readFileSync, symlinkSync } from 'node:fs';
import { CorruptError, fromSystemError, throwIfAborted } from '@tsostree/errors';
import { parseDirTree } from './format/dirtree.js';
import type { DirMeta } from './format/dirmeta.js';
import { filenameProblem } from './format/validate.js';
import { CHUNK, DIR_CHUNK, DONE, FALLBACK, HEADER, NEXT_DIR_CHUNK, NEXT_FILE_CHUNK, STOP, startLinkWorker, type WorkerOutcome } from './checkout-link-worker.js';
import { isSymlinkMode } from './repo-content.js';
import { readMetadataObjectSync } from './repo-objects.js';
import type { Repo } from './repo.js';
import { nodeXattrs } from './xattrs.js';

/** Below this many files a worker thread costs more than it saves. */
const WORKER_MIN_FILES = 4096;
/** Chunks the main thread runs between two yields to the event loop. */
const CHUNKS_PER_YIELD = 4;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function checkName(name: string, where: string): void {
  const problem = filenameProblem(name);
  if (problem) throw new CorruptError(`refusing to check out ${JSON.stringify(name)} in ${where}: ${problem}`);
}

export interface TreePlan {
  /** Directories in pre-order (parents before children); `[0]` is the root (parent -1). */
  dirs: { path: string; meta: DirMeta; parent: number }[];
  /** Per file: the object path, the destination path, the content checksum, the index of its directory. */
  objs: string[];
  dests: string[];
  checksums: string[];
  dirOf: number[];
}

/**
 * Reads every dirtree below `treeChecksum` and lists what the checkout creates. Names are validated
 * (a hostile tree fails here, before anything is written); the depth is bounded. The reads are
 * synchronous (small files), with a yield to the event loop every 128 directories.
 */
export async function planTree(
  repo: Repo,
  treeChecksum: string,
  meta: DirMeta,
  dest: string,
  dirMeta: (checksum: string) => DirMeta,
  signal?: AbortSignal,
): Promise<TreePlan> {
  const plan: TreePlan = { dirs: [], objs: [], dests: [], checksums: [], dirOf: [] };
  const objects = repo.resolve('objects');
  const suffix = repo.isArchive ? '.filez' : '.file';
  const visit = async (tree: string, m: DirMeta, path: string, depth: number, parent: number): Promise<void> => {
    if (depth > 256) throw new CorruptError('tree exceeds the maximum depth');
    if (plan.dirs.length % 128 === 127) {
      await yieldToLoop();
      throwIfAborted(signal);
    }
    const t = parseDirTree(readMetadataObjectSync(repo, 'dirtree', tree));
    for (const f of t.files) checkName(f.name, path);
    for (const d of t.dirs) checkName(d.name, path);
    const dirIndex = plan.dirs.push({ path, meta: m, parent }) - 1;
    for (const f of t.files) {
      // Checksums of a parsed dirtree are 64 hex digits: the object path is safe to build directly.
      plan.objs.push(`${objects}/${f.checksum.slice(0, 2)}/${f.checksum.slice(2)}${suffix}`);
      plan.dests.push(`${path}/${f.name}`);
      plan.checksums.push(f.checksum);
      plan.dirOf.push(dirIndex);
    }
    for (const d of t.dirs) await visit(d.treeChecksum, dirMeta(d.metaChecksum), `${path}/${d.name}`, depth + 1, dirIndex);
  };
  throwIfAborted(signal);
  await visit(treeChecksum, meta, dest, 0, -1);
  return plan;
}

/**
 * link(2) one object to `dest`, or recreate a bare-user symlink object as a symlink. Returns false
 * when the object must take the copy path (another filesystem, too many links, metadata missing).
 */
export function tryHardlinkSync(repo: Repo, userMode: boolean, src: string, dest: string): boolean {
  if (repo.mode === 'bare-user') {
    const raw = repo.xattrs.get(src, 'user.ostreemeta');
    // `(uuua(ayay))` starts with three big-endian u32s at fixed offsets: the mode is bytes 8..12.
    if (!raw || raw.length < 12) return false;
    const mode = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(8, false);
    if (isSymlinkMode(mode)) {
      // A symlink is stored as a small file holding the target (+ NUL): recreate it right here.
      if (!userMode) return false;
      let target: string;
      try {
        const bytes = readFileSync(src);
        const end = bytes.indexOf(0);
        target = (end < 0 ? bytes : bytes.subarray(0, end)).toString('utf8');
      } catch {
        return false;
      }
      if (target.length === 0) return false;
      try {
        symlinkSync(target, dest);
      } catch (error) {
        throw fromSystemError(error, `creating symlink ${dest}`);
      }
      return true;
    }
  }
  try {
    linkSync(src, dest);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EXDEV' || code === 'EMLINK' || code === 'EPERM' || code === 'ENOENT') return false;
    throw fromSystemError(error, `linking ${dest}`);
  }
}


type WaitAsync = (a: Int32Array, index: number, value: number, timeout: number) => { async: boolean; value: unknown };
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

/** Resolves when `state[index]` may have changed from 0 (notified, or after at most 20 ms). */
async function waitChange(state: Int32Array, index: number): Promise<void> {
  if (waitAsync) {
    const r = waitAsync(state, index, 0, 20);
    if (r.async) await r.value;
    return;
  }
  await new Promise((resolve) => setTimeout(resolve, 1));
}

/**
 * Creates the planned directories (the root with `makeDir`, which refuses an existing target) and
 * links every planned file. Returns the indices of the files that must be copied instead. For big
 * trees a worker thread does both phases next to the main thread (see checkout-link-worker.ts),
 * when the default xattr port is in use (a custom port cannot cross into the worker).
 */
export async function createPlannedTree(
  repo: Repo,
  plan: TreePlan,
  opts: { makeDir: (path: string) => void; userMode: boolean; signal?: AbortSignal; onProgress?: (files: number) => void; threads?: number },
): Promise<number[]> {
  const n = plan.objs.length;
  const nd = plan.dirs.length;
  const FILE0 = HEADER + nd;
  const state = new Int32Array(new SharedArrayBuffer((HEADER + nd + n) * 4));
  const readMeta = repo.mode === 'bare-user';
  // An explicit thread count (tests) uses the worker whatever the size.
  const threads = opts.threads ?? Math.min(2, availableParallelism());
  const big = opts.threads !== undefined || n >= WORKER_MIN_FILES;
  const useWorker = threads > 1 && n > 0 && big && (!readMeta || repo.xattrs === nodeXattrs);
  const stopped = (): boolean => Atomics.load(state, STOP) !== 0;
  // The main thread waits asynchronously: the event loop must still see the worker exit or fail.
  const waitDir = async (d: number): Promise<boolean> => {
    while (Atomics.load(state, HEADER + d) === 0) {
      if (stopped()) return false;
      await waitChange(state, HEADER + d);
    }
    return true;
  };
  const makeDir = (d: number): void => {
    opts.makeDir(plan.dirs[d]!.path);
    Atomics.store(state, HEADER + d, 1);
    Atomics.notify(state, HEADER + d);
  };
  const linkOne = (i: number): void => {
    state[FILE0 + i] = tryHardlinkSync(repo, opts.userMode, plan.objs[i]!, plan.dests[i]!) ? DONE : FALLBACK;
  };
  makeDir(0);
  let worker: Promise<WorkerOutcome> | undefined;
  if (useWorker) {
    worker = startLinkWorker({
      shared: state.buffer as SharedArrayBuffer,
      objs: plan.objs,
      dests: plan.dests,
      dirOf: Int32Array.from(plan.dirOf),
      dirPaths: plan.dirs.map((d) => d.path),
      dirParent: Int32Array.from(plan.dirs, (d) => d.parent),
      readMeta,
      userMode: opts.userMode,
    });
  }
  try {
    let sinceYield = 0;
    const pause = async (): Promise<void> => {
      if (++sinceYield < CHUNKS_PER_YIELD) return;
      sinceYield = 0;
      await yieldToLoop();
      throwIfAborted(opts.signal);
    };
    dirs: for (;;) {
      if (stopped()) break;
      const start = 1 + Atomics.add(state, NEXT_DIR_CHUNK, 1) * DIR_CHUNK;
      if (start >= nd) break;
      for (let d = start; d < Math.min(start + DIR_CHUNK, nd); d++) {
        if (!(await waitDir(plan.dirs[d]!.parent))) break dirs;
        makeDir(d);
      }
      await pause();
    }
    let reported = 0;
    files: for (;;) {
      if (stopped()) break;
      const start = Atomics.add(state, NEXT_FILE_CHUNK, 1) * CHUNK;
      if (start >= n) break;
      const end = Math.min(start + CHUNK, n);
      for (let d = plan.dirOf[start]!; d <= plan.dirOf[end - 1]!; d++) if (!(await waitDir(d))) break files;
      for (let i = start; i < end; i++) linkOne(i);
      await pause();
      const claimed = Math.min(n, Atomics.load(state, NEXT_FILE_CHUNK) * CHUNK);
      if (opts.onProgress && claimed - reported >= 1000) {
        reported = claimed;
        opts.onProgress(claimed);
      }
    }
    if (worker) {
      const outcome = await worker;
      worker = undefined;
      if (!outcome.ok && outcome.phase === undefined) {
        // The worker did not run (or died): whatever it left undone, the main thread does now.
        for (let d = 1; d < nd; d++) if (Atomics.load(state, HEADER + d) === 0) makeDir(d);
        for (let i = 0; i < n; i++) if (state[FILE0 + i] === 0) linkOne(i);
      } else if (!outcome.ok) {
        const error = Object.assign(new Error(outcome.message), outcome.code ? { code: outcome.code } : {});
        if (outcome.phase === 'dir') throw fromSystemError(error, `creating directory ${plan.dirs[outcome.index]?.path}`);
        throw fromSystemError(error, `linking ${plan.dests[outcome.index]}`);
      }
    }
  } finally {
    if (worker) {
      Atomics.store(state, STOP, 1);
      await worker;
    }
  }
  const fallback: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = state[FILE0 + i];
    if (s === FALLBACK) fallback.push(i);
    else if (s !== DONE) throw new CorruptError(`checkout stopped before ${plan.dests[i]}`);
  }
  return fallback;
}
