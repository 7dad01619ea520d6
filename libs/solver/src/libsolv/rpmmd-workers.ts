/**
 * Parses parts of a large primary.xml on worker threads. Each worker instantiates the already compiled libsolv
 * module (compiled once in this process: the workers share its code), parses its part into a pool of its own
 * with libsolv's rpm-md parser, and hands the result back as libsolv's binary `.solv` document (repo_write),
 * which the caller adds to its repo with repo_add_solv — in the original order, so package ids are the same as
 * with one sequential parse.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InternalError, ParseError } from '@tsostree/errors';
import { DISTTYPE_RPM } from './constants.js';
import { LOADER_URL } from './libsolv-module.js';

/** The worker, as CommonJS source (a worker file would need a TypeScript loader under the test runner). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, loader, chunks, disttype } = workerData;
const fail = (message) => parentPort.postMessage({ type: 'error', message: String(message) });
(async () => {
  const { default: createLibsolv } = await import(loader);
  const raw = await createLibsolv({
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(module, imports).then((instance) => receive(instance, module), (e) => fail(e && e.message || e));
      return {};
    },
  });
  let index = 0;
  let pos = 0;
  raw.tslRead = (source, ptr, len) => {
    for (;;) {
      const chunk = chunks[index];
      if (!chunk) return 0;
      const n = Math.min(len, chunk.length - pos);
      if (n > 0) {
        raw.HEAPU8.set(chunk.subarray(pos, pos + n), ptr >>> 0);
        pos += n;
        return n;
      }
      index++;
      pos = 0;
    }
  };
  const pool = raw._pool_create();
  raw._tsl_pool_quiet(pool);
  raw._pool_setdisttype(pool, disttype);
  const repo = raw._repo_create(pool, 0);
  if (raw._tsl_repo_add_rpmmd(repo, 1, 0) !== 0) {
    const err = raw._tsl_pool_errstr(pool);
    let end = err;
    while (raw.HEAPU8[end] !== 0) end++;
    parentPort.postMessage({ type: 'parse-error', message: Buffer.from(raw.HEAPU8.subarray(err, end)).toString() });
    return;
  }
  const lenp = raw._malloc(4);
  const buf = raw._tsl_repo_write(repo, lenp);
  if (!buf) return fail('repo_write failed');
  const solv = raw.HEAPU8.slice(buf, buf + raw.HEAP32[lenp >> 2]);
  parentPort.postMessage({ type: 'done', solv }, [solv.buffer]);
})().catch((e) => fail(e && e.message || e));
`;

type WorkerMessage = { type: 'done'; solv: Uint8Array } | { type: 'error' | 'parse-error'; message: string };

/** How many parts to parse a document of `bytes` in (1: not worth splitting). */
export function partCount(bytes: number, requested?: number): number {
  if (requested !== undefined) return Math.max(1, Math.floor(requested));
  if (bytes < PARALLEL_MIN_BYTES) return 1;
  return Math.max(1, Math.min(availableParallelism(), 4, Math.floor(bytes / (PARALLEL_MIN_BYTES / 2))));
}

/**
 * How much bigger the part the calling thread parses is than each worker's: a worker also starts Node and a
 * wasm instance and writes its part as .solv (63,000 packages, 2 parts: the calling thread waited ~150 ms for the
 * worker with equal parts; 1.3 took ~55 ms off the load's wall time, 1.6 no more).
 */
export const FIRST_PART_WEIGHT = 1.3;

/** Below this, one sequential parse is faster than starting workers. */
export const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;

/** Parts being parsed on worker threads. */
export interface WorkerParse {
  /**
   * The parts' `.solv` documents, in order. Rejects as soon as one part fails: `ParseError` for a part libsolv
   * could not parse, `InternalError` for a worker that could not run (data.part: the part's index).
   */
  readonly results: Promise<Uint8Array[]>;
  /** Terminates every worker (those still running and those done); resolves when all are gone. */
  cancel(): Promise<void>;
}

/**
 * Parses each part (an array of chunks read as one document) on its own worker thread, with `module` the
 * compiled libsolv (compileLibsolv's). The workers start before this returns: the caller parses a part of its
 * own meanwhile, then awaits `results` and always `cancel()`s.
 */
export function startWorkers(module: object, parts: readonly (readonly Uint8Array[])[]): WorkerParse {
  const workers: Worker[] = [];
  const results = Promise.all(
    parts.map(
      (chunks, part) =>
        new Promise<Uint8Array>((resolve, reject) => {
          // Private copies, handed over without another copy (a view would carry its whole buffer along).
          const own = chunks.map((c) => new Uint8Array(c));
          const worker = new Worker(WORKER_SOURCE, {
            eval: true,
            execArgv: [], // plain Node: the worker imports only the emscripten loader (no parent loader hooks)
            workerData: { module, loader: LOADER_URL.href, chunks: own, disttype: DISTTYPE_RPM },
            transferList: own.map((c) => c.buffer),
          });
          workers.push(worker);
          worker.on('message', (message: WorkerMessage) => {
            if (message.type === 'done') resolve(message.solv);
            else if (message.type === 'parse-error') reject(new ParseError(`rpm-md part ${part}: ${message.message}`, { data: { part } }));
            else reject(new InternalError(`rpm-md worker for part ${part}: ${message.message}`, { data: { part } }));
          });
          worker.on('error', (error) => reject(new InternalError(`rpm-md worker for part ${part}: ${error.message}`, { cause: error, data: { part } })));
          worker.on('exit', (code) => reject(new InternalError(`rpm-md worker for part ${part} exited with code ${code}`, { data: { part } })));
        }),
    ),
  );
  results.catch(() => undefined); // the caller awaits it; a failure must not surface as an unhandled rejection first
  return {
    results,
    cancel: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

