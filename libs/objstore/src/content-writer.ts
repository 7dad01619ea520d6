/**
 * A second thread for the content files of a static-delta apply or a pull into a bare-user or
 * bare-user-only repository. Creating, writing, chmod-ing, tagging (`user.ostreemeta`) and closing
 * the new object files is most of their kernel time, and for a pull of archive objects inflating and
 * hashing them is much of the user time: with a free core this overlaps with the main thread's
 * HTTP, delta decoding and walking (ostree writes objects on worker threads too).
 *
 * Three kinds of work are handed over:
 * - {@link ContentWriter.write}: bytes the main thread already verified, for a temp file it already
 *   staged in a write transaction. Fire and forget: {@link ContentWriter.drain} waits for all of them
 *   and throws the first failure as the typed error the synchronous path throws; after a failure the
 *   thread writes nothing more of this kind. A transaction commit (syncfs, renames) runs only after a
 *   successful drain, and on any error the thread is stopped before the staged files are removed.
 * - {@link ContentWriter.verifyFilez}: an archive object's compressed payload (in memory or in a
 *   fetched temp file). The thread inflates it, checks its size and hashes it with the header the
 *   main thread parsed; only when the checksum matches does it create the object file. The returned
 *   promise settles per object, with the same typed errors as `verifyFilezBytes` (a mismatch is
 *   retried by the fetcher like on the main thread); the caller stages the file afterwards.
 * - {@link ContentWriter.writeRecipe}: an object made of ranges of existing object files and of bytes
 *   (a static delta's rollsum object). The thread reads the ranges through one reused 1 MiB buffer,
 *   hashes and writes them, and keeps the file only when it is the named object; a promise per object
 *   as for `verifyFilez`.
 *
 * Objects (or a recipe's bytes) are copied into a batch buffer that is transferred with one message per batch, and the
 * thread answers once per batch.
 */
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ChecksumMismatchError, CorruptError, fromSystemError, type TsostreeError } from '@tsostree/errors';
import type { Repo } from './repo.js';
import { WRITE_CHUNK } from './write-all.js';
import { xattrError } from './xattrs.js';

/**
 * The worker, as CommonJS source run with `eval` and no exec arguments: a worker file would need
 * the TypeScript loader under tsx / the test runner, which costs ~100 ms of boot per worker.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const zlib = require('node:zlib');
const { createHash } = require('node:crypto');
const { pipeline } = require('node:stream/promises');
const xattr = workerData.xattrModule ? require(workerData.xattrModule) : undefined;
// Pieces of at most 1 MiB per write(2), as write-all.ts explains.
const WRITE_CHUNK = ${WRITE_CHUNK};
let failed = false;
function createFile(tmp, data, off, end, mode, meta) {
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    while (off < end) off += fs.writeSync(fd, data, off, Math.min(WRITE_CHUNK, end - off));
    finishFile(fd, { tmp, mode, meta });
  } finally {
    fs.closeSync(fd);
  }
}
function ioError(error, job) {
  const e = error || {};
  return { xattr: e.xattr === true, message: String(e.message || error), code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, tmp: job.tmp, checksum: job.checksum };
}
function finishFile(fd, job) {
  fs.fchmodSync(fd, job.mode);
  if (job.meta) {
    try {
      xattr.setAttributeSync(job.tmp, 'user.ostreemeta', job.meta);
    } catch (error) {
      throw { xattr: true, message: String((error && error.message) || error) };
    }
  }
  fs.futimesSync(fd, 0, 0);
}
function inflateError(error, size) {
  const e = error || {};
  return { corrupt: e.code === 'ERR_BUFFER_TOO_LARGE' ? 'content is larger than its declared ' + size + ' bytes' : 'invalid DEFLATE payload (' + e.message + ')' };
}
// An in-memory payload: inflated, checked and hashed whole; the object file is created only when it is the named object.
function verifyBytes(data, job) {
  const payload = data.subarray(job.off, job.off + job.len);
  let out;
  try {
    out = zlib.inflateRawSync(payload, { info: true, maxOutputLength: Math.max(1, job.size) });
  } catch (error) {
    return inflateError(error, job.size);
  }
  if (out.engine.bytesWritten !== payload.length) return { corrupt: 'trailing data after the DEFLATE stream' };
  const content = out.buffer;
  if (content.length !== job.size) return { corrupt: 'content has ' + content.length + ' bytes, header says ' + job.size };
  const actual = createHash('sha256').update(data.subarray(job.pre, job.pre + job.preLen)).update(content).digest('hex');
  if (actual !== job.checksum) return { mismatch: actual };
  try {
    createFile(job.tmp, content, 0, content.length, job.mode, job.meta);
  } catch (error) {
    fs.rmSync(job.tmp, { force: true });
    return { io: ioError(error, job) };
  }
  return undefined;
}
// A payload in a fetched file (a big object): streamed through inflate and the hash into the new object file in
// bounded memory, which is removed again unless it is the named object (like ostree's temp files). The fetched
// file is removed either way.
async function verifyFile(data, job) {
  const hash = createHash('sha256').update(data.subarray(job.pre, job.pre + job.preLen));
  const inflate = zlib.createInflateRaw({ chunkSize: 256 * 1024 });
  let fd = -1;
  let total = 0;
  let payloadSize = 0;
  let result;
  // Why the consumer stopped the stream (pipeline reports it as an abort).
  let stop;
  try {
    payloadSize = fs.statSync(job.file).size - job.payloadOffset;
  } catch (error) {
    result = { io: ioError(error, job), read: true };
  }
  if (!result) {
    try {
      fd = fs.openSync(job.tmp, 'wx', 0o600);
    } catch (error) {
      result = { io: ioError(error, job) };
    }
  }
  if (!result) {
    try {
      await pipeline(fs.createReadStream(job.file, { start: job.payloadOffset, highWaterMark: 256 * 1024 }), inflate, async (source) => {
        for await (const chunk of source) {
          total += chunk.length;
          if (total > job.size) {
            stop = { corrupt: 'content is larger than its declared ' + job.size + ' bytes' };
            throw new Error('stop');
          }
          hash.update(chunk);
          try {
            for (let off = 0; off < chunk.length; ) off += fs.writeSync(fd, chunk, off, chunk.length - off);
          } catch (error) {
            stop = { io: ioError(error, job) };
            throw error;
          }
        }
      });
      if (inflate.bytesWritten !== payloadSize) result = { corrupt: 'trailing data after the DEFLATE stream' };
      else if (total !== job.size) result = { corrupt: 'content has ' + total + ' bytes, header says ' + job.size };
      else {
        const actual = hash.digest('hex');
        if (actual !== job.checksum) result = { mismatch: actual };
        else finishFile(fd, job);
      }
    } catch (error) {
      if (stop) result = stop;
      else if (error && error.xattr) result = { io: ioError(error, job) };
      else if (error && error.syscall) result = { io: ioError(error, job), read: true };
      else if (error && typeof error.code === 'string' && error.code.startsWith('Z_')) result = inflateError(error, job.size);
      // Input left after the end of the DEFLATE stream: zlib ends its output early and the pipeline reports the
      // unfinished input side as a premature close (or an abort), depending on timing.
      else if (inflate.bytesWritten < payloadSize) result = { corrupt: 'trailing data after the DEFLATE stream' };
      else result = inflateError(error, job.size);
    }
  }
  if (fd >= 0) fs.closeSync(fd);
  if (result && fd >= 0) fs.rmSync(job.tmp, { force: true });
  fs.rmSync(job.file, { force: true });
  return result;
}
// An object made of ranges of existing object files and of bytes in the batch (a static delta's rollsum
// object): each range read in pieces into one reused buffer, hashed with the header the main thread framed and
// written; the file is kept only when it is the named object.
let pieceBuf;
function writeRecipe(data, job) {
  const hash = createHash('sha256').update(data.subarray(job.pre, job.pre + job.preLen));
  const sources = new Map();
  let fd = -1;
  let result;
  let total = 0;
  try {
    fd = fs.openSync(job.tmp, 'wx', 0o600);
    for (const p of job.pieces) {
      if (p.file === undefined) {
        const b = data.subarray(p.off, p.off + p.len);
        hash.update(b);
        for (let off = 0; off < b.length; ) off += fs.writeSync(fd, b, off, Math.min(WRITE_CHUNK, b.length - off));
        total += b.length;
        continue;
      }
      let src = sources.get(p.file);
      if (src === undefined) {
        try {
          src = fs.openSync(p.file, 'r');
        } catch (error) {
          result = { io: ioError(error, job), read: true, file: p.file };
          break;
        }
        sources.set(p.file, src);
      }
      pieceBuf ??= Buffer.allocUnsafeSlow(WRITE_CHUNK);
      let pos = p.off;
      let left = p.len;
      while (left > 0) {
        let n;
        try {
          n = fs.readSync(src, pieceBuf, 0, Math.min(WRITE_CHUNK, left), pos);
        } catch (error) {
          result = { io: ioError(error, job), read: true, file: p.file };
          break;
        }
        if (n === 0) {
          result = { short: p.file };
          break;
        }
        hash.update(pieceBuf.subarray(0, n));
        for (let off = 0; off < n; ) off += fs.writeSync(fd, pieceBuf, off, n - off);
        pos += n;
        left -= n;
        total += n;
      }
      if (result) break;
    }
    if (!result) {
      const actual = hash.digest('hex');
      if (total !== job.size) result = { corrupt: 'content has ' + total + ' bytes, header says ' + job.size };
      else if (actual !== job.checksum) result = { mismatch: actual };
      else finishFile(fd, job);
    }
  } catch (error) {
    result = { io: ioError(error, job) };
  }
  for (const s of sources.values()) fs.closeSync(s);
  if (fd >= 0) fs.closeSync(fd);
  // Only a file this job created (a name that already existed is not ours to remove).
  if (result && fd >= 0) fs.rmSync(job.tmp, { force: true });
  return result;
}
async function run(m) {
  const data = new Uint8Array(m.buf);
  const results = [];
  for (const job of m.jobs) {
    if (job.id !== undefined) {
      results.push(job.id, job.pieces ? writeRecipe(data, job) : job.file ? await verifyFile(data, job) : verifyBytes(data, job));
      continue;
    }
    if (failed) continue;
    try {
      createFile(job.tmp, data, job.off, job.off + job.len, job.mode, job.meta);
    } catch (error) {
      failed = true;
      parentPort.postMessage({ error: ioError(error, job) });
    }
  }
  // The batch buffer goes back for reuse (a fresh one per batch page-faults all of it in again).
  parentPort.postMessage({ done: m.buf.byteLength, results, buf: m.buf }, [m.buf]);
}
// Batches run one after the other, in order (a file job waits for its reads and the inflate on the thread pool).
let queue = Promise.resolve();
parentPort.on('message', (m) => {
  queue = queue.then(() => (m.drain !== undefined ? parentPort.postMessage({ drained: m.drain }) : run(m)));
});
`;

/** Bytes handed over but not yet written above which the producer should wait ({@link ContentWriter.backlog}). */
export const WRITER_BACKLOG_BYTES = 64 * 1024 * 1024;
/** A batch is sent once it holds this many bytes or {@link BATCH_OBJECTS} objects, or at the next turn of the event loop. */
const BATCH_BYTES = 512 * 1024;
const BATCH_OBJECTS = 16;
/** Batch buffers of {@link BATCH_BYTES} kept for reuse once the thread hands them back. */
const SPARE_BATCHES = 8;

interface WriteJob {
  tmp: string;
  checksum: string;
  off: number;
  len: number;
  mode: number;
  meta: Uint8Array | undefined;
}

interface VerifyJob extends WriteJob {
  id: number;
  /** The content's declared size. */
  size: number;
  /** The framed file header the checksum covers, in the batch. */
  pre: number;
  preLen: number;
  /** A fetched `.filez` file holding the payload at `payloadOffset` (removed by the thread), instead of the batch bytes. */
  file?: string;
  payloadOffset?: number;
  /** A recipe ({@link ContentWriter.writeRecipe}): ranges of files, or of the batch when `file` is absent. */
  pieces?: { file?: string; off: number; len: number }[];
}

interface WorkerIoError {
  xattr: boolean;
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  tmp: string;
  checksum: string;
}

type VerifyResult = { io: WorkerIoError; read?: boolean; file?: string } | { corrupt: string } | { mismatch: string } | { short: string } | undefined;

/** An archive object's parts for {@link ContentWriter.verifyFilez}. */
export interface FilezPayload {
  /** The new object file to create. */
  tmp: string;
  checksum: string;
  /** Declared content size (from the header). */
  size: number;
  /** The framed file header (`fileHeaderStreamPrefix`) the checksum starts with. */
  headerPrefix: Uint8Array;
  /** The compressed payload in memory, or … */
  payload?: Uint8Array;
  /** … the fetched `.filez` file and where its payload starts (the thread removes the file). */
  file?: { path: string; payloadOffset: number };
  /** Permission bits of the object file. */
  mode: number;
  /** `user.ostreemeta` (bare-user). */
  meta: Uint8Array | undefined;
}

/** A piece of a {@link ContentRecipe}: a range of an existing file, or bytes (copied when handed over). */
export type RecipePiece = { file: string; offset: number; length: number } | { bytes: Uint8Array };

/** A content object to build on the thread from pieces, for {@link ContentWriter.writeRecipe}. */
export interface ContentRecipe {
  /** The new object file to create. */
  tmp: string;
  checksum: string;
  /** The content's size (the pieces' lengths add up to it). */
  size: number;
  /** The framed file header (`fileHeaderStreamPrefix`) the checksum starts with. */
  headerPrefix: Uint8Array;
  pieces: readonly RecipePiece[];
  /** Permission bits of the object file. */
  mode: number;
  /** `user.ostreemeta` (bare-user). */
  meta: Uint8Array | undefined;
}

let xattrModulePath: string | undefined;

/** The write thread of one delta apply or pull. */
export class ContentWriter {
  private pendingBytes = 0;
  private failure: TsostreeError | undefined;
  private readonly drains = new Map<number, () => void>();
  private nextDrain = 0;
  private belowLimit: (() => void) | undefined;
  private closed = false;
  private batch: Uint8Array = new Uint8Array(0);
  private batchUsed = 0;
  private jobs: (WriteJob | VerifyJob)[] = [];
  private readonly spare: ArrayBuffer[] = [];
  private flushScheduled = false;
  private nextVerify = 0;
  private readonly verifying = new Map<number, { job: VerifyJob; resolve: () => void; reject: (e: TsostreeError) => void }>();

  private constructor(
    private readonly worker: Worker,
    private readonly backlogBytes: number,
  ) {
    worker.on('message', (m: { done?: number; drained?: number; error?: WorkerIoError; results?: (number | VerifyResult)[]; buf?: ArrayBuffer }) => {
      if (m.error) this.fail(toIoError(m.error));
      if (m.buf?.byteLength === BATCH_BYTES && this.spare.length < SPARE_BATCHES) this.spare.push(m.buf);
      if (m.results) for (let i = 0; i < m.results.length; i += 2) this.settle(m.results[i] as number, m.results[i + 1] as VerifyResult);
      if (m.done !== undefined) {
        this.pendingBytes -= m.done;
        if (this.pendingBytes <= this.backlogBytes / 2) this.wake();
      }
      if (m.drained !== undefined) {
        this.drains.get(m.drained)?.();
        this.drains.delete(m.drained);
      }
    });
    worker.on('error', (error) => this.fail(fromSystemError(error, 'content write thread')));
    worker.on('exit', () => {
      if (!this.closed) this.fail(fromSystemError(new Error('exited early'), 'content write thread'));
      // Nothing more will answer: a verification in flight fails (its file, if any, is never staged).
      for (const v of this.verifying.values()) v.reject(this.failure ?? fromSystemError(new Error('stopped'), 'content write thread'));
      this.verifying.clear();
    });
  }

  /**
   * Starts the thread (it boots while the first objects are fetched); undefined when it cannot start
   * (the caller writes synchronously). `userMeta`: the repository is bare-user (objects get
   * `user.ostreemeta`, through the default xattr port's library). `backlogBytes`: queued bytes above
   * which {@link ContentWriter.busy} asks the producer to wait (default {@link WRITER_BACKLOG_BYTES}).
   */
  static start(userMeta: boolean, backlogBytes = WRITER_BACKLOG_BYTES): ContentWriter | undefined {
    try {
      xattrModulePath ??= createRequire(import.meta.url).resolve('@napi-rs/xattr');
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // Plain CommonJS with absolute requires: no loader hooks (`--import tsx` …) to start in it.
        execArgv: [],
        workerData: { xattrModule: userMeta ? xattrModulePath : undefined },
      });
      return new ContentWriter(worker, backlogBytes);
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

  private settle(id: number, r: VerifyResult): void {
    const v = this.verifying.get(id);
    if (!v) return;
    this.verifying.delete(id);
    if (!r) v.resolve();
    else if ('io' in r) v.reject(r.read ? fromSystemError(ioCause(r.io), `reading ${r.file ?? v.job.file}`) : toIoError(r.io));
    else if ('short' in r) v.reject(new CorruptError(`${r.short} ended before the range an object is made of`, { data: { checksum: v.job.checksum, path: r.short } }));
    else if ('corrupt' in r) v.reject(new CorruptError(`Corrupted file object ${v.job.checksum}: ${r.corrupt}`, { data: { checksum: v.job.checksum, type: 'file' } }));
    else {
      const { checksum } = v.job;
      v.reject(
        new ChecksumMismatchError(`Corrupted file object ${checksum}: actual checksum is ${r.mismatch}`, {
          expected: checksum,
          actual: r.mismatch,
          data: { checksum, type: 'file' },
        }),
      );
    }
  }

  /** Copies `chunks` into the batch; returns their offset there. */
  private append(chunks: readonly Uint8Array[]): number {
    let size = 0;
    for (const c of chunks) size += c.length;
    if (this.batchUsed + size > this.batch.length) {
      this.flush();
      const spare = size <= BATCH_BYTES ? this.spare.pop() : undefined;
      this.batch = spare ? new Uint8Array(spare) : new Uint8Array(Math.max(size, BATCH_BYTES));
    }
    const off = this.batchUsed;
    for (const c of chunks) {
      this.batch.set(c, this.batchUsed);
      this.batchUsed += c.length;
    }
    return off;
  }

  private queue(job: WriteJob | VerifyJob): void {
    this.jobs.push(job);
    if (this.jobs.length >= BATCH_OBJECTS || this.batchUsed >= BATCH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      // Whatever else arrives in this turn of the event loop joins the batch; nothing waits longer.
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /**
   * Queues creating the temp file `tmp` (already staged) with the verified object bytes `chunks`
   * (copied now: the caller may reuse them), permission bits `mode` and, if given, `user.ostreemeta`.
   * Throws the first failure of an earlier object.
   */
  write(tmp: string, checksum: string, chunks: readonly Uint8Array[], mode: number, meta: Uint8Array | undefined): void {
    if (this.failure) throw this.failure;
    const off = this.append(chunks);
    this.queue({ tmp, checksum, off, len: this.batchUsed - off, mode, meta });
  }

  /**
   * Inflates and hashes an archive object's payload on the thread and, when it is the object named
   * `p.checksum`, creates `p.tmp` with its content. Resolves once the file exists; rejects with a
   * CorruptError / ChecksumMismatchError (no file is created) or the typed I/O error. The payload is
   * copied now; a payload file is removed by the thread.
   */
  verifyFilez(p: FilezPayload): Promise<void> {
    if (this.closed) return Promise.reject(fromSystemError(new Error('stopped'), 'content write thread'));
    const pre = this.append(p.payload ? [p.headerPrefix, p.payload] : [p.headerPrefix]);
    const preLen = p.headerPrefix.length;
    const job: VerifyJob = {
      id: this.nextVerify++,
      tmp: p.tmp,
      checksum: p.checksum,
      off: pre + preLen,
      len: p.payload?.length ?? 0,
      mode: p.mode,
      meta: p.meta,
      size: p.size,
      pre,
      preLen,
      file: p.file?.path,
      payloadOffset: p.file?.payloadOffset,
    };
    return new Promise<void>((resolve, reject) => {
      this.verifying.set(job.id, { job, resolve, reject });
      this.queue(job);
    });
  }

  /**
   * Builds a content object on the thread from ranges of existing files (read there in 1 MiB pieces
   * through one reused buffer) and bytes, hashing it as it is written: no copy of the whole object in
   * this thread's memory (a static delta's rollsum objects are made of ranges of their old versions).
   * Resolves once `r.tmp` exists and is the object named `r.checksum`; rejects with a
   * ChecksumMismatchError / CorruptError (no file is left) or the typed I/O error.
   */
  writeRecipe(r: ContentRecipe): Promise<void> {
    if (this.closed) return Promise.reject(fromSystemError(new Error('stopped'), 'content write thread'));
    const chunks: Uint8Array[] = [r.headerPrefix];
    for (const p of r.pieces) if ('bytes' in p) chunks.push(p.bytes);
    const pre = this.append(chunks);
    let at = pre + r.headerPrefix.length;
    const pieces = r.pieces.map((p) => {
      if ('file' in p) return { file: p.file, off: p.offset, len: p.length };
      const piece = { off: at, len: p.bytes.length };
      at += p.bytes.length;
      return piece;
    });
    const job: VerifyJob = {
      id: this.nextVerify++,
      tmp: r.tmp,
      checksum: r.checksum,
      off: 0,
      len: 0,
      mode: r.mode,
      meta: r.meta,
      size: r.size,
      pre,
      preLen: r.headerPrefix.length,
      pieces,
    };
    return new Promise<void>((resolve, reject) => {
      this.verifying.set(job.id, { job, resolve, reject });
      this.queue(job);
    });
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

  /** True when so much is queued that the producer should `await` {@link ContentWriter.backlog}. */
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

/**
 * A fresh directory under `tmp/` for a write thread's temp files, like ostree's per-transaction
 * `staging-*` directories: ext4 puts a new directory's files in a block group chosen for the
 * directory (Orlov), not next to the long-lived `tmp/`, whose group a busy repository fills with
 * recently deleted inodes that every create then scans past (measured: 0.2–0.4 ms per create in
 * `tmp/` after the bench's copy-and-delete rounds, a fifth of that in a new directory), and the
 * thread's creates do not queue on the lock of the directory the main thread creates files in.
 * Named like the pull's temp files, so a later pull removes it when the process that made it is gone.
 */
export function makeStagingDir(repo: Repo, tag: string): string {
  return mkdtempSync(join(repo.tmpDir, `pull-${process.pid}-${tag}-`));
}

function ioCause(e: WorkerIoError): Error {
  return Object.assign(new Error(e.message), { code: e.code, errno: e.errno, syscall: e.syscall, path: e.path });
}

/** The error the synchronous path (`storeVerifiedContentSync`) throws for the same failure. */
function toIoError(e: WorkerIoError): TsostreeError {
  if (e.xattr) return xattrError(new Error(e.message), 'setting xattr user.ostreemeta on', e.tmp);
  return fromSystemError(ioCause(e), `storing content object ${e.checksum}`);
}
