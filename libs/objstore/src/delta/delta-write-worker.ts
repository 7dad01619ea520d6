/**
 * A second thread for the file calls of a static-delta apply into a bare-user or bare-user-only
 * repository. Creating, writing, chmod-ing, tagging (`user.ostreemeta`) and closing the new object
 * files is most of an apply's kernel time, while the main thread decodes operations, assembles and
 * re-hashes objects (user time): with a free core the two overlap (ostree applies parts on worker
 * threads too).
 *
 * The main thread still decides everything: it re-hashes each object (nothing unverified is ever
 * handed over), checks it is not stored yet, picks the temp path and stages it in the write
 * transaction; the worker only writes those bytes to that new temp file. Objects are copied into a
 * batch buffer that is transferred with one message per batch (not one per object), and the worker
 * answers once per batch. {@link DeltaWriter.drain} waits for every object handed over so far and
 * throws the first failure as the typed error the synchronous path throws; after a failure the
 * worker creates nothing more. The transaction commit (syncfs, renames) runs only after a
 * successful drain, and on any error the worker is terminated before the staged temp files are
 * removed: crash safety and the commitpartial protocol are those of the synchronous writes.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { fromSystemError, type TsostreeError } from '@tsostree/errors';
import { xattrError } from '../xattrs.js';

/**
 * The worker, as CommonJS source run with `eval` and no exec arguments: a worker file would need
 * the TypeScript loader under tsx / the test runner, which costs ~100 ms of boot per worker.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const xattr = workerData.xattrModule ? require(workerData.xattrModule) : undefined;
let failed = false;
function writeOne(data, job) {
  const fd = fs.openSync(job.tmp, 'wx', 0o600);
  try {
    let off = job.off;
    const end = job.off + job.len;
    while (off < end) off += fs.writeSync(fd, data, off, end - off);
    fs.fchmodSync(fd, job.mode);
    if (job.meta) {
      try {
        xattr.setAttributeSync(job.tmp, 'user.ostreemeta', job.meta);
      } catch (error) {
        throw { xattr: true, message: String((error && error.message) || error) };
      }
    }
    fs.futimesSync(fd, 0, 0);
  } finally {
    fs.closeSync(fd);
  }
}
parentPort.on('message', (m) => {
  if (m.drain !== undefined) {
    parentPort.postMessage({ drained: m.drain });
    return;
  }
  const data = new Uint8Array(m.buf);
  for (const job of m.jobs) {
    if (failed) break;
    try {
      writeOne(data, job);
    } catch (error) {
      failed = true;
      const e = error || {};
      parentPort.postMessage({ error: { xattr: e.xattr === true, message: String(e.message || error), code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, tmp: job.tmp, checksum: job.checksum } });
    }
  }
  parentPort.postMessage({ done: m.buf.byteLength });
});
`;

/** Bytes handed over but not yet written above which the producer should wait ({@link DeltaWriter.backlog}). */
export const WRITER_BACKLOG_BYTES = 64 * 1024 * 1024;
/** A batch is sent once it holds this many bytes or {@link BATCH_OBJECTS} objects. */
const BATCH_BYTES = 512 * 1024;
const BATCH_OBJECTS = 16;

interface Job {
  tmp: string;
  checksum: string;
  off: number;
  len: number;
  mode: number;
  meta: Uint8Array | undefined;
}

interface WorkerError {
  xattr: boolean;
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  tmp: string;
  checksum: string;
}

let xattrModulePath: string | undefined;

/** The write thread of one delta apply. */
export class DeltaWriter {
  private pendingBytes = 0;
  private failure: TsostreeError | undefined;
  private readonly drains = new Map<number, () => void>();
  private nextDrain = 0;
  private belowLimit: (() => void) | undefined;
  private closed = false;
  private batch: Uint8Array = new Uint8Array(0);
  private batchUsed = 0;
  private jobs: Job[] = [];

  private constructor(
    private readonly worker: Worker,
    private readonly backlogBytes: number,
  ) {
    worker.on('message', (m: { done?: number; drained?: number; error?: WorkerError }) => {
      if (m.error) this.fail(toError(m.error));
      if (m.done !== undefined) {
        this.pendingBytes -= m.done;
        if (this.pendingBytes <= this.backlogBytes / 2) this.wake();
      }
      if (m.drained !== undefined) {
        this.drains.get(m.drained)?.();
        this.drains.delete(m.drained);
      }
    });
    worker.on('error', (error) => this.fail(fromSystemError(error, 'static delta write thread')));
    worker.on('exit', () => {
      if (!this.closed) this.fail(fromSystemError(new Error('exited early'), 'static delta write thread'));
    });
  }

  /**
   * Starts the thread (it boots while the first part is fetched and decompressed); undefined when
   * it cannot start (the caller writes synchronously). `userMeta`: the repository is bare-user
   * (objects get `user.ostreemeta`, through the default xattr port's library). `backlogBytes`: queued bytes above
   * which {@link DeltaWriter.busy} asks the producer to wait (default {@link WRITER_BACKLOG_BYTES}).
   */
  static start(userMeta: boolean, backlogBytes = WRITER_BACKLOG_BYTES): DeltaWriter | undefined {
    try {
      xattrModulePath ??= createRequire(import.meta.url).resolve('@napi-rs/xattr');
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // Plain CommonJS with absolute requires: no loader hooks (`--import tsx` …) to start in it.
        execArgv: [],
        workerData: { xattrModule: userMeta ? xattrModulePath : undefined },
      });
      return new DeltaWriter(worker, backlogBytes);
    } catch {
      return undefined;
    }
  }

  private fail(error: TsostreeError): void {
    this.failure ??= error;
    for (const done of this.drains.values()) done();
    this.drains.clear();
    this.wake();
  }

  private wake(): void {
    const w = this.belowLimit;
    this.belowLimit = undefined;
    w?.();
  }

  /**
   * Queues creating the temp file `tmp` (already staged) with the verified object bytes `chunks`
   * (copied now: the caller may reuse them), permission bits `mode` and, if given, `user.ostreemeta`.
   * Throws the first failure of an earlier object.
   */
  write(tmp: string, checksum: string, chunks: readonly Uint8Array[], mode: number, meta: Uint8Array | undefined): void {
    if (this.failure) throw this.failure;
    let size = 0;
    for (const c of chunks) size += c.length;
    if (this.batchUsed + size > this.batch.length) {
      this.flush();
      this.batch = new Uint8Array(Math.max(size, BATCH_BYTES));
    }
    const off = this.batchUsed;
    for (const c of chunks) {
      this.batch.set(c, this.batchUsed);
      this.batchUsed += c.length;
    }
    this.jobs.push({ tmp, checksum, off, len: size, mode, meta });
    if (this.jobs.length >= BATCH_OBJECTS || this.batchUsed >= BATCH_BYTES) this.flush();
  }

  /** Sends the current batch to the worker. */
  flush(): void {
    if (this.jobs.length === 0) return;
    const buf = this.batch.buffer as ArrayBuffer;
    this.pendingBytes += buf.byteLength;
    this.worker.postMessage({ jobs: this.jobs, buf }, [buf]);
    this.jobs = [];
    this.batch = new Uint8Array(0);
    this.batchUsed = 0;
  }

  /** True when so much is queued that the producer should `await` {@link DeltaWriter.backlog}. */
  get busy(): boolean {
    return this.pendingBytes > this.backlogBytes;
  }

  /** Resolves once the queue is down to half the backlog limit (or the thread failed). */
  backlog(): Promise<void> {
    if (!this.busy || this.failure) return Promise.resolve();
    return new Promise((resolve) => (this.belowLimit = resolve));
  }

  /** Waits until every object queued so far is written; throws the first failure. */
  async drain(): Promise<void> {
    this.flush();
    if (!this.failure) {
      const id = this.nextDrain++;
      await new Promise<void>((resolve) => {
        this.drains.set(id, resolve);
        this.worker.postMessage({ drain: id });
      });
    }
    if (this.failure) throw this.failure;
  }

  /** Stops the thread; once this resolves it creates nothing more (so staged temp files can be removed). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }
}

/** The error the synchronous path (`storeVerifiedContentSync`) throws for the same failure. */
function toError(e: WorkerError): TsostreeError {
  if (e.xattr) return xattrError(new Error(e.message), 'setting xattr user.ostreemeta on', e.tmp);
  const cause = Object.assign(new Error(e.message), { code: e.code, errno: e.errno, syscall: e.syscall, path: e.path });
  return fromSystemError(cause, `storing content object ${e.checksum}`);
}
