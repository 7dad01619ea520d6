/**
 * A second thread for hardlink checkouts. mkdir(2), link(2), getxattr(2) and symlink(2) are cheap
 * syscalls but each costs microseconds of path walking, call overhead and (mkdir) inode allocation;
 * with 30,000 files one core is busy all along. The worker runs the same two phases as the main
 * thread on the same job lists, claiming chunks from shared atomic counters, so the faster thread
 * simply does more chunks:
 * 1. directories, in plan (pre-)order: a directory waits until its parent is created;
 * 2. files: a chunk waits until the directories of its files are created.
 *
 * Shared state (one `Int32Array` over a `SharedArrayBuffer`):
 * - `[0]` next file chunk, `[1]` stop flag (abort or a fatal error), `[2]` next directory chunk,
 * - `[HEADER + d]` directory `d` created (0/1); the root (0) is created by the main thread first,
 * - `[HEADER + dirs + i]` outcome of file `i`: 0 not done, 1 linked/created, 2 must take the copy path.
 * A fatal error is posted back with its phase and index; the main thread turns it into a typed error.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export const NEXT_FILE_CHUNK = 0;
export const STOP = 1;
export const NEXT_DIR_CHUNK = 2;
export const HEADER = 3;
export const CHUNK = 256;
export const DIR_CHUNK = 8;
export const DONE = 1;
export const FALLBACK = 2;

/** The worker, as CommonJS source (a worker file would need a TypeScript loader under the test runner). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { shared, objs, dests, dirOf, dirPaths, dirParent, readMeta, userMode, xattrModule } = workerData;
const state = new Int32Array(shared);
const xattr = readMeta ? require(xattrModule) : undefined;
const NEXT_FILE_CHUNK = ${NEXT_FILE_CHUNK}, STOP = ${STOP}, NEXT_DIR_CHUNK = ${NEXT_DIR_CHUNK}, HEADER = ${HEADER};
const CHUNK = ${CHUNK}, DIR_CHUNK = ${DIR_CHUNK}, DONE = ${DONE}, FALLBACK = ${FALLBACK};
const nd = dirPaths.length;
const FILE0 = HEADER + nd;
const buf = Buffer.allocUnsafe(4097);
const stopped = () => Atomics.load(state, STOP) !== 0;
function waitDir(d) {
  while (Atomics.load(state, HEADER + d) === 0) {
    if (stopped()) return false;
    Atomics.wait(state, HEADER + d, 0, 20);
  }
  return true;
}
function one(i) {
  const src = objs[i];
  const dest = dests[i];
  if (readMeta) {
    let raw;
    try {
      raw = xattr.getAttributeSync(src, 'user.ostreemeta');
    } catch {
      return FALLBACK;
    }
    if (!raw || raw.length < 12) return FALLBACK;
    const mode = raw.readUInt32BE(8);
    if ((mode & 0o170000) === 0o120000) {
      if (!userMode) return FALLBACK;
      let n;
      try {
        const fd = fs.openSync(src, 'r');
        try { n = fs.readSync(fd, buf, 0, buf.length, 0); } finally { fs.closeSync(fd); }
      } catch {
        return FALLBACK;
      }
      let end = buf.indexOf(0);
      if (end < 0 || end > n) end = n;
      if (end === 0 || end === buf.length) return FALLBACK;
      fs.symlinkSync(buf.toString('utf8', 0, end), dest);
      return DONE;
    }
  }
  try {
    fs.linkSync(src, dest);
    return DONE;
  } catch (error) {
    const code = error && error.code;
    if (code === 'EXDEV' || code === 'EMLINK' || code === 'EPERM' || code === 'ENOENT') return FALLBACK;
    throw error;
  }
}
let phase = 'dir';
let index = -1;
try {
  dirs: for (;;) {
    if (stopped()) break;
    const start = 1 + Atomics.add(state, NEXT_DIR_CHUNK, 1) * DIR_CHUNK;
    if (start >= nd) break;
    const end = Math.min(start + DIR_CHUNK, nd);
    for (index = start; index < end; index++) {
      if (!waitDir(dirParent[index])) break dirs;
      fs.mkdirSync(dirPaths[index], 0o700);
      Atomics.store(state, HEADER + index, 1);
      Atomics.notify(state, HEADER + index);
    }
  }
  phase = 'file';
  files: for (;;) {
    if (stopped()) break;
    const start = Atomics.add(state, NEXT_FILE_CHUNK, 1) * CHUNK;
    if (start >= objs.length) break;
    const end = Math.min(start + CHUNK, objs.length);
    for (let d = dirOf[start]; d <= dirOf[end - 1]; d++) if (!waitDir(d)) break files;
    for (index = start; index < end; index++) state[FILE0 + index] = one(index);
  }
  parentPort.postMessage({ ok: true });
} catch (error) {
  Atomics.store(state, STOP, 1);
  parentPort.postMessage({ ok: false, phase, index, code: error && error.code, message: String((error && error.message) || error) });
}
`;

let xattrModulePath: string | undefined;
function xattrModule(): string {
  xattrModulePath ??= createRequire(import.meta.url).resolve('@napi-rs/xattr');
  return xattrModulePath;
}

export type WorkerOutcome = { ok: true } | { ok: false; phase?: 'dir' | 'file'; index: number; code?: string; message: string };

/**
 * Starts a link worker on the shared job list. `readMeta`: bare-user objects, whose mode (symlink or
 * not) is in the `user.ostreemeta` xattr. Resolves when the worker has no chunk left to claim.
 */
export function startLinkWorker(job: {
  shared: SharedArrayBuffer;
  objs: string[];
  dests: string[];
  dirOf: Int32Array;
  dirPaths: string[];
  dirParent: Int32Array;
  readMeta: boolean;
  userMode: boolean;
}): Promise<WorkerOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (o: WorkerOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(o);
    };
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // Plain CommonJS with absolute requires: no loader hooks (`--import tsx` …) to start in it.
        execArgv: [],
        workerData: { ...job, xattrModule: job.readMeta ? xattrModule() : undefined },
      });
    } catch (error) {
      settle({ ok: false, index: -1, message: String(error) });
      return;
    }
    // A worker that fails or dies stops the job: the main thread then finishes what is left.
    const died = (message: string): void => {
      if (!settled) Atomics.store(new Int32Array(job.shared), STOP, 1);
      settle({ ok: false, index: -1, message });
    };
    worker.on('message', (m: WorkerOutcome) => settle(m));
    worker.on('error', (error) => died(error.message));
    worker.on('exit', () => died('link worker exited early'));
  });
}
