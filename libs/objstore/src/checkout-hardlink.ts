/**
 * The hardlink checkout fast path (a fresh target, objects on the same filesystem). The whole tree
 * is planned first, from the dirtree objects alone: every name is validated before anything is
 * written. Then directories are created (parents first), files are linked by the main thread and
 * a worker thread together, and directory metadata is applied last (children first, so a read-only
 * directory does not block its own checkout and the mtimes stay at 0).
 *
 * The syscalls run synchronously, in chunks with a yield to the event loop between them: each
 * costs microseconds, and an async round trip through the libuv pool costs more than the call.
 * A chunk runs in the native core (checkout-native.ts: one C call per chunk, and one per dirtree
 * read while planning) when it was built, else in the JavaScript core; both behave the same.
 */
import { availableParallelism } from 'node:os';
import { getSystemErrorMap } from 'node:util';
import { CorruptError, fromSystemError, throwIfAborted } from '@tsostree/errors';
import { SCAN_DIR_FIELDS, SCAN_FILE_FIELDS, scanDirTree } from './format/dirtree.js';
import type { DirMeta } from './format/dirmeta.js';
import { filenameProblem } from './format/validate.js';
import { checkoutIndexOf, DIR_FIELDS, DONE, FALLBACK, FILE_FIELDS, linkCore, type LinkCore, type LinkJob } from './checkout-link-core.js';
import { CHUNK, DIR_CHUNK, FILE_CHUNKS_CLAIMED, HEADER, NEXT_DIR_CHUNK, STOP, startLinkWorker, type LinkWorker, type WorkerOutcome } from './checkout-link-worker.js';
import { sha256Hex } from './format/checksum.js';
import { readMetadataObjectSync } from './repo-objects.js';
import type { Repo } from './repo.js';
import { nodeGetXattrRaw, nodeXattrs } from './xattrs.js';
import { nativeLinker, NATIVE_LINKER_PATH, type NativeLinker } from './checkout-native.js';

/** Below this many files a worker thread costs more than it saves. */
const WORKER_MIN_FILES = 4096;
/** Chunks the main thread runs between two yields to the event loop. */
const CHUNKS_PER_YIELD = 4;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function checkName(name: string, where: string): void {
  const problem = filenameProblem(name);
  if (problem) throw new CorruptError(`refusing to check out ${JSON.stringify(name)} in ${where}: ${problem}`);
}

/**
 * A planned tree, compact: every dirtree's bytes and every directory's path sit in one shared byte
 * arena, and files and directories are rows of positions in it (see checkout-link-core.ts), so
 * planning 100,000 files makes no per-file string and the worker gets the plan without a copy.
 */
export interface TreePlan extends LinkJob {
  /** Number of directories (`[0]` is the root) and files. */
  dirCount: number;
  fileCount: number;
  /** Per directory, in pre-order (parents before children): its metadata, applied last. */
  dirMeta: DirMeta[];
  /** The link worker, started during planning once the tree was big enough (see {@link createPlannedTree}). */
  worker?: LinkWorker;
}

/** Whether a second thread pays for `files` files: an explicit thread count (tests) uses it whatever the size. */
function wantWorker(repo: Repo, files: number, threads: number | undefined): boolean {
  const t = threads ?? Math.min(2, availableParallelism());
  const big = threads !== undefined || files >= WORKER_MIN_FILES;
  // bare-user reads the mode through the xattr port: a custom port cannot cross into the worker.
  return t > 1 && files > 0 && big && (repo.mode !== 'bare-user' || repo.xattrs === nodeXattrs);
}

function sharedCopy(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(Math.max(size, 1)), 0, size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function sharedInts(values: readonly number[]): Int32Array {
  const out = new Int32Array(new SharedArrayBuffer(Math.max(values.length, 1) * 4), 0, values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return out;
}

const text = (bytes: Uint8Array, start: number, end: number): string => Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
const hexAt = (bytes: Uint8Array, at: number): string => Buffer.from(bytes.buffer, bytes.byteOffset + at, 32).toString('hex');

/** The destination path of planned directory `d`. */
export function planDirPath(plan: TreePlan, d: number): string {
  return text(plan.arena, plan.dirs[d * DIR_FIELDS]!, plan.dirs[d * DIR_FIELDS + 1]!);
}

/** The destination path of planned file `i`. */
export function planFilePath(plan: TreePlan, i: number): string {
  const f = i * FILE_FIELDS;
  return `${planDirPath(plan, plan.files[f + 3]!)}/${text(plan.arena, plan.files[f]!, plan.files[f + 1]!)}`;
}

/** The content checksum of planned file `i`. */
export function planFileChecksum(plan: TreePlan, i: number): string {
  return hexAt(plan.arena, plan.files[i * FILE_FIELDS + 2]!);
}

/**
 * Reads every dirtree below `treeChecksum` and lists what the checkout creates. Names are validated
 * (a hostile tree fails here, before anything is written); the depth is bounded. The reads are
 * synchronous (small files), with a yield to the event loop every 128 directories. With `link`,
 * the link worker is started as soon as the tree is big enough, so that it boots while planning
 * goes on; it gets its job only from {@link createPlannedTree}.
 */
export async function planTree(
  repo: Repo,
  treeChecksum: string,
  meta: DirMeta,
  dest: string,
  dirMeta: (checksum: string) => DirMeta,
  opts: { signal?: AbortSignal; link?: { userMode: boolean; threads?: number; native?: NativeLinker } } = {},
): Promise<TreePlan> {
  const { signal, link } = opts;
  let worker: LinkWorker | undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const add = (bytes: Uint8Array): number => {
    chunks.push(bytes);
    size += bytes.length;
    return size - bytes.length;
  };
  const files: number[] = [];
  const dirs: number[] = [];
  const metas: DirMeta[] = [];
  // With the native core, dirtrees are read by one C call each and verified here; anything unusual
  // (missing, not a regular file, too big, a checksum mismatch) is read again by
  // readMetadataObjectSync, which reports it. A metadata cache keeps the JavaScript reader.
  // The path is `objectPath`'s, built without its checksum check: a malformed checksum never equals
  // the SHA-256 of what was read, so it goes to readMetadataObjectSync, which refuses it.
  const reader = link?.native && !repo.metadataCache ? link.native : undefined;
  const objects = `${repo.resolve('objects')}/`;
  const readTree = (checksum: string): Uint8Array => {
    const bytes = reader?.readObject(`${objects}${checksum.slice(0, 2)}/${checksum.slice(2)}.dirtree`);
    return bytes && sha256Hex(bytes) === checksum ? bytes : readMetadataObjectSync(repo, 'dirtree', checksum);
  };
  const visit = async (tree: string, m: DirMeta, path: Uint8Array, depth: number, parent: number): Promise<void> => {
    if (depth > 256) throw new CorruptError('tree exceeds the maximum depth');
    if (metas.length % 128 === 127) {
      await yieldToLoop();
      throwIfAborted(signal);
    }
    const bytes = readTree(tree);
    const t = scanDirTree(bytes);
    const base = add(bytes);
    const pathAt = add(path);
    const dirIndex = metas.push(m) - 1;
    dirs.push(pathAt, pathAt + path.length, parent);
    const f = t.files;
    for (let i = 0; i < f.length; i += SCAN_FILE_FIELDS) files.push(base + f[i]!, base + f[i + 1]!, base + f[i + 2]!, dirIndex);
    if (link && !worker && wantWorker(repo, files.length / FILE_FIELDS, link.threads)) {
      worker = startLinkWorker({
        readMeta: repo.mode === 'bare-user',
        userMode: link.userMode,
        ...(link.native ? { nativeModule: NATIVE_LINKER_PATH } : {}),
      });
    }
    const d = t.dirs;
    for (let i = 0; i < d.length; i += SCAN_DIR_FIELDS) {
      const name = bytes.subarray(d[i]!, d[i + 1]!);
      const sub = new Uint8Array(path.length + 1 + name.length);
      sub.set(path);
      sub[path.length] = 0x2f;
      sub.set(name, path.length + 1);
      await visit(hexAt(bytes, d[i + 2]!), dirMeta(hexAt(bytes, d[i + 3]!)), sub, depth + 1, dirIndex);
    }
  };
  try {
    throwIfAborted(signal);
    await visit(treeChecksum, meta, Buffer.from(dest, 'utf8'), 0, -1);
  } catch (error) {
    worker?.cancel();
    throw error;
  }
  return {
    arena: sharedCopy(chunks, size),
    files: sharedInts(files),
    dirs: sharedInts(dirs),
    objectsPrefix: `${repo.resolve('objects')}/`,
    suffix: repo.isArchive ? '.filez' : '.file',
    dirCount: metas.length,
    fileCount: files.length / FILE_FIELDS,
    dirMeta: metas,
    ...(worker ? { worker } : {}),
  };
}

/**
 * Whether the native core may link `repo`'s objects: it reads `user.ostreemeta` itself, so a custom
 * xattr port (which C cannot call) keeps the JavaScript core.
 */
export function useNative(repo: Repo, native: boolean | undefined): NativeLinker | undefined {
  if (native === false || (repo.mode === 'bare-user' && repo.xattrs !== nodeXattrs)) return undefined;
  return nativeLinker();
}

/** The link core of the main thread for `repo` (bare-user: the mode comes through the repo's xattr port). */
export function repoLinkCore(repo: Repo, userMode: boolean, job?: LinkJob, native?: NativeLinker): LinkCore {
  const port = repo.xattrs;
  // The default port is called raw (as in the worker): errors only send the file to the copy path.
  const getMeta = port === nodeXattrs ? (path: string) => nodeGetXattrRaw(path, 'user.ostreemeta') : (path: string) => port.get(path, 'user.ostreemeta');
  return linkCore({
    readMeta: repo.mode === 'bare-user',
    userMode,
    getMeta,
    ...(job ? { job } : {}),
    ...(native ? { native, errors: getSystemErrorMap() } : {}),
  });
}

/**
 * link(2) one object to `dest`, or recreate a bare-user symlink object as a symlink. Returns false
 * when the object must take the copy path (another filesystem, too many links, metadata missing).
 */
export function tryHardlinkSync(core: LinkCore, src: string, dest: string): boolean {
  try {
    return core.linkObject(src, dest) === DONE;
  } catch (error) {
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
 * trees the worker started by {@link planTree} links files next to the main thread, from the other
 * end of the list (see checkout-link-worker.ts); directories are created by this thread alone.
 */
export async function createPlannedTree(
  repo: Repo,
  plan: TreePlan,
  opts: { makeDir: (path: string) => void; userMode: boolean; native?: NativeLinker; signal?: AbortSignal; onProgress?: (files: number) => void },
): Promise<number[]> {
  const n = plan.fileCount;
  const nd = plan.dirCount;
  const FILE0 = HEADER + nd;
  const chunks = Math.ceil(n / CHUNK);
  const CLAIM0 = FILE0 + n;
  const state = new Int32Array(new SharedArrayBuffer((HEADER + nd + n + chunks) * 4));
  const core = repoLinkCore(repo, opts.userMode, plan, opts.native);
  const job: LinkJob = { arena: plan.arena, files: plan.files, dirs: plan.dirs, objectsPrefix: plan.objectsPrefix, suffix: plan.suffix };
  const stopped = (): boolean => Atomics.load(state, STOP) !== 0;
  const dirOf = (i: number): number => plan.files[i * FILE_FIELDS + 3]!;
  // The main thread waits asynchronously: the event loop must still see the worker exit or fail.
  const waitDir = async (d: number): Promise<boolean> => {
    while (Atomics.load(state, HEADER + d) === 0) {
      if (stopped()) return false;
      await waitChange(state, HEADER + d);
    }
    return true;
  };
  const dirDone = (d: number): void => {
    Atomics.store(state, HEADER + d, 1);
    Atomics.notify(state, HEADER + d);
  };
  const dirError = (error: unknown, d: number): Error => fromSystemError(error, `creating directory ${planDirPath(plan, checkoutIndexOf(error) ?? d)}`);
  const fileError = (error: unknown, i: number): Error => fromSystemError(error, `linking ${planFilePath(plan, checkoutIndexOf(error) ?? i)}`);
  /** Creates directories [start, end); -1 when done, else the index waiting for its parent. */
  const makeDirs = (start: number, end: number): number => {
    try {
      return core.makeDirRange(state, HEADER, start, end);
    } catch (error) {
      throw dirError(error, start);
    }
  };
  const linkFiles = (start: number, end: number): void => {
    try {
      core.linkRange(state, FILE0, start, end);
    } catch (error) {
      throw fileError(error, start);
    }
  };
  let worker: Promise<WorkerOutcome> | undefined;
  try {
    opts.makeDir(planDirPath(plan, 0));
    dirDone(0);
    if (plan.worker) worker = plan.worker.run(state.buffer as SharedArrayBuffer, job);
    let sinceYield = 0;
    const pause = async (): Promise<void> => {
      if (++sinceYield < CHUNKS_PER_YIELD) return;
      sinceYield = 0;
      await yieldToLoop();
      throwIfAborted(opts.signal);
    };
    // Directories: this thread alone (the worker starts on the files whose directories exist).
    dirs: for (;;) {
      if (stopped()) break;
      const start = 1 + Atomics.add(state, NEXT_DIR_CHUNK, 1) * DIR_CHUNK;
      if (start >= nd) break;
      const end = Math.min(start + DIR_CHUNK, nd);
      for (let from = start; ; ) {
        const waiting = makeDirs(from, end);
        if (waiting < 0) break;
        if (!(await waitDir(plan.dirs[waiting * DIR_FIELDS + 2]!))) break dirs;
        from = waiting;
      }
      await pause();
    }
    let reported = 0;
    // From the front; the worker takes chunks from the back (see checkout-link-worker.ts).
    files: for (let c = 0; c < chunks; c++) {
      if (stopped() || Atomics.compareExchange(state, CLAIM0 + c, 0, 1) !== 0) break;
      Atomics.add(state, FILE_CHUNKS_CLAIMED, 1);
      const start = c * CHUNK;
      const end = Math.min(start + CHUNK, n);
      for (let d = dirOf(start); d <= dirOf(end - 1); d++) if (!(await waitDir(d))) break files;
      linkFiles(start, end);
      await pause();
      const claimed = Math.min(n, Atomics.load(state, FILE_CHUNKS_CLAIMED) * CHUNK);
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
        // In plan order every parent comes first, so no directory waits here.
        for (let d = 1; d < nd; d++) if (Atomics.load(state, HEADER + d) === 0) makeDirs(d, d + 1);
        for (let i = 0; i < n; i++) if (state[FILE0 + i] === 0) linkFiles(i, i + 1);
      } else if (!outcome.ok) {
        const error = Object.assign(new Error(outcome.message), outcome.code ? { code: outcome.code } : {});
        throw fromSystemError(error, `linking ${planFilePath(plan, outcome.index)}`);
      }
    }
  } finally {
    if (worker) {
      Atomics.store(state, STOP, 1);
      await worker;
    }
    plan.worker?.cancel();
  }
  const fallback: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = state[FILE0 + i];
    if (s === FALLBACK) fallback.push(i);
    else if (s !== DONE) throw new CorruptError(`checkout stopped before ${planFilePath(plan, i)}`);
  }
  return fallback;
}
