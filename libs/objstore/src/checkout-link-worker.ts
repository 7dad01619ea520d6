/**
 * A second thread for hardlink checkouts. link(2), getxattr(2) and symlink(2) are cheap syscalls
 * but each costs a few microseconds of path walking and call overhead; with 30,000 files the
 * checkout is CPU-bound on one core. The worker takes chunks of the same job list as the main
 * thread from a shared atomic counter, so the faster thread simply does more chunks.
 *
 * Shared state (one `Int32Array` over a `SharedArrayBuffer`):
 * - `[0]` next chunk to claim (Atomics.add), `[1]` stop flag (abort or a fatal error),
 * - `[2]` directories created so far (the main thread creates them in plan order while the worker
 *   already links into the ones that exist: a chunk waits until the directory of its last file is there),
 * - `[3 + i]` outcome of job `i`: 0 not done, 1 linked/created, 2 must take the copy path.
 * A fatal error is posted back with its job index; the main thread turns it into a typed error.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export const HEADER = 3;
export const DIRS_CREATED = 2;
export const CHUNK = 256;
export const DONE = 1;
export const FALLBACK = 2;

/** The worker, as CommonJS source (a worker file would need a TypeScript loader under the test runner). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { shared, objs, dests, dirOf, readMeta, userMode, xattrModule } = workerData;
const state = new Int32Array(shared);
const xattr = readMeta ? require(xattrModule) : undefined;
const HEADER = ${HEADER}, CHUNK = ${CHUNK}, DONE = ${DONE}, FALLBACK = ${FALLBACK};
const buf = Buffer.allocUnsafe(4097);
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
let index = -1;
try {
  for (;;) {
    if (Atomics.load(state, 1) !== 0) break;
    const start = Atomics.add(state, 0, 1) * CHUNK;
    if (start >= objs.length) break;
    const end = Math.min(start + CHUNK, objs.length);
    for (;;) {
      const made = Atomics.load(state, 2);
      if (made > dirOf[end - 1] || Atomics.load(state, 1) !== 0) break;
      Atomics.wait(state, 2, made, 100);
    }
    if (Atomics.load(state, 1) !== 0) break;
    for (index = start; index < end; index++) state[HEADER + index] = one(index);
  }
  parentPort.postMessage({ ok: true });
} catch (error) {
  Atomics.store(state, 1, 1);
  parentPort.postMessage({ ok: false, index, code: error && error.code, message: String((error && error.message) || error) });
}
`;

let xattrModulePath: string | undefined;
function xattrModule(): string {
  xattrModulePath ??= createRequire(import.meta.url).resolve('@napi-rs/xattr');
  return xattrModulePath;
}

export type WorkerOutcome = { ok: true } | { ok: false; index: number; code?: string; message: string };

/**
 * Starts a link worker on the shared job list. `readMeta`: bare-user objects, whose mode (symlink or
 * not) is in the `user.ostreemeta` xattr. Resolves when the worker has no chunk left to claim.
 */
export function startLinkWorker(job: {
  shared: SharedArrayBuffer;
  objs: string[];
  dests: string[];
  dirOf: Int32Array;
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
        workerData: { ...job, xattrModule: job.readMeta ? xattrModule() : undefined },
      });
    } catch (error) {
      settle({ ok: false, index: -1, message: String(error) });
      return;
    }
    worker.on('message', (m: WorkerOutcome) => settle(m));
    worker.on('error', (error) => settle({ ok: false, index: -1, message: error.message }));
    worker.on('exit', () => settle({ ok: false, index: -1, message: 'link worker exited early' }));
  });
}
