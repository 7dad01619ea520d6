/**
 * A second thread for hardlink checkouts. mkdir(2), link(2), getxattr(2) and symlink(2) are cheap
 * syscalls but each costs microseconds of path walking, call overhead and (mkdir) inode allocation;
 * with 30,000 files one core is busy all along. The worker links files next to the main thread:
 * 1. directories are created by the main thread alone, in plan (pre-)order, so a parent always comes
 *    first (when both threads took turns, each often waited for a parent the other was creating, and
 *    on ext4 two threads allocating inodes in the same group gained nothing);
 * 2. files: the main thread claims chunks from the front of the list, the worker from the back, until
 *    they meet. Each works in directories of its own (files are grouped by directory), so the two
 *    rarely contend for one directory's lock in the kernel (taking chunks in turn from one counter,
 *    both threads created entries in the same big directories, and the waits showed up as system
 *    time). A chunk waits until the directories of its files are created.
 *
 * Shared state (one `Int32Array` over a `SharedArrayBuffer`):
 * - `[0]` file chunks claimed so far (progress), `[1]` stop flag (abort or a fatal error), `[2]` next
 *   directory chunk,
 * - `[HEADER + d]` directory `d` created (0/1); the root (0) is created by the main thread first,
 * - `[HEADER + dirs + i]` outcome of file `i`: 0 not done, 1 linked/created, 2 must take the copy path,
 * - `[HEADER + dirs + files + c]` file chunk `c` claimed (0/1, set with compare-and-exchange).
 * A fatal error is posted back with its phase and index; the main thread turns it into a typed error.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { DIR_FIELDS, FILE_FIELDS, LINK_CORE_SOURCE, type LinkJob } from './checkout-link-core.js';

export const FILE_CHUNKS_CLAIMED = 0;
export const STOP = 1;
export const NEXT_DIR_CHUNK = 2;
export const HEADER = 3;
export const CHUNK = 256;
export const DIR_CHUNK = 8;

/**
 * The worker, as CommonJS source (a worker file would need a TypeScript loader under the test
 * runner): the shared link core, driven by a loop that blocks with `Atomics.wait`.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { readMeta, userMode, xattrModule, nativeModule } = workerData;
const xattr = readMeta && !nativeModule ? require(xattrModule) : undefined;
const native = nativeModule ? require(nativeModule) : undefined;
const errors = native ? require('node:util').getSystemErrorMap() : undefined;
const getMeta = (path) => xattr.getAttributeSync(path, 'user.ostreemeta');
const linkCore = (${LINK_CORE_SOURCE});
const FILE_CHUNKS_CLAIMED = ${FILE_CHUNKS_CLAIMED}, STOP = ${STOP}, HEADER = ${HEADER};
const CHUNK = ${CHUNK};
parentPort.once('message', ({ shared, job }) => {
const state = new Int32Array(shared);
const core = linkCore(fs, { readMeta, userMode, getMeta, job, native, errors });
const nd = job.dirs.length / ${DIR_FIELDS};
const n = job.files.length / ${FILE_FIELDS};
const FILE0 = HEADER + nd;
const stopped = () => Atomics.load(state, STOP) !== 0;
function waitDir(d) {
  while (Atomics.load(state, HEADER + d) === 0) {
    if (stopped()) return false;
    Atomics.wait(state, HEADER + d, 0, 20);
  }
  return true;
}
const phase = 'file';
let index = -1;
try {
  const CLAIM0 = FILE0 + n;
  files: for (let c = Math.ceil(n / CHUNK) - 1; c >= 0; c--) {
    if (stopped() || Atomics.compareExchange(state, CLAIM0 + c, 0, 1) !== 0) break;
    Atomics.add(state, FILE_CHUNKS_CLAIMED, 1);
    const start = c * CHUNK;
    const end = Math.min(start + CHUNK, n);
    const last = job.files[(end - 1) * ${FILE_FIELDS} + 3];
    for (let d = job.files[start * ${FILE_FIELDS} + 3]; d <= last; d++) if (!waitDir(d)) break files;
    index = start;
    core.linkRange(state, FILE0, start, end);
  }
  parentPort.postMessage({ ok: true });
} catch (error) {
  Atomics.store(state, STOP, 1);
  if (error && typeof error.checkoutIndex === 'number') index = error.checkoutIndex;
  parentPort.postMessage({ ok: false, phase, index, code: error && error.code, message: String((error && error.message) || error) });
}
parentPort.close();
});
`;

let xattrModulePath: string | undefined;
function xattrModule(): string {
  xattrModulePath ??= createRequire(import.meta.url).resolve('@napi-rs/xattr');
  return xattrModulePath;
}

export type WorkerOutcome = { ok: true } | { ok: false; phase?: 'file'; index: number; code?: string; message: string };

/** A started link worker: it boots while the main thread still plans, and waits for its job. */
export interface LinkWorker {
  /** Hands the planned job over; resolves when the worker has no chunk left to claim (or failed). */
  run(shared: SharedArrayBuffer, job: LinkJob): Promise<WorkerOutcome>;
  /** Stops a worker that will get no job (planning failed). */
  cancel(): void;
}

/**
 * Starts a link worker. `readMeta`: bare-user objects, whose mode (symlink or not) is in the
 * `user.ostreemeta` xattr. `nativeModule`: the path of the native core (checkout-native.ts), which
 * then does the syscalls. The worker touches nothing until {@link LinkWorker.run} gives it a job.
 */
export function startLinkWorker(options: { readMeta: boolean; userMode: boolean; nativeModule?: string }): LinkWorker {
  let worker: Worker | undefined;
  let startError: unknown;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // Plain CommonJS with absolute requires: no loader hooks (`--import tsx` …) to start in it.
      execArgv: [],
      workerData: { ...options, xattrModule: options.readMeta && !options.nativeModule ? xattrModule() : undefined },
    });
  } catch (error) {
    startError = error;
  }
  // Until `run`, a failure has nobody to tell: it is kept for `run` to report.
  let early: WorkerOutcome | undefined;
  let report = (o: WorkerOutcome): void => void (early ??= o);
  worker?.on('message', (m: WorkerOutcome) => report(m));
  worker?.on('error', (error) => report({ ok: false, index: -1, message: error.message }));
  worker?.on('exit', () => report({ ok: false, index: -1, message: 'link worker exited early' }));
  return {
    run(shared, job) {
      return new Promise((resolve) => {
        let settled = false;
        // A worker that fails or dies stops the job: the main thread then finishes what is left.
        report = (o) => {
          if (settled) return;
          settled = true;
          if (!o.ok && o.phase === undefined) Atomics.store(new Int32Array(shared), STOP, 1);
          resolve(o);
        };
        if (!worker) return report({ ok: false, index: -1, message: String(startError) });
        if (early) return report(early);
        worker.postMessage({ shared, job });
      });
    },
    cancel() {
      void worker?.terminate();
    },
  };
}
