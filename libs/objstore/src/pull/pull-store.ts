import type { ContentWriter } from '../content-writer.js';
import { closeSync, createReadStream, fchmodSync, fchownSync, fstatSync, futimesSync, openSync, readSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { ChecksumMismatchError, CorruptError, fromSystemError, isTsostreeError } from '@tsostree/errors';
import { sha256Hex } from '../format/checksum.js';
import { createContentHasher, fileHeaderStreamPrefix, framedHeaderLength, parseFilezHeader, type FileHeader, type FilezHeader } from '../format/file-header.js';
import { serializeFileMeta } from '../format/dirmeta.js';
import { decodeFilez } from '../format/filez.js';
import type { ObjectType } from '../format/object-path.js';
import { S_IFLNK, S_IFMT } from '../format/validate.js';
import { finishBareObject, storeContent, storeFileFromPath, type ContentMeta, type OpenedContent } from '../repo-content.js';
import { publishObject, repoTmpPath, writeTempFile, type WriteTxn } from '../repo-objects.js';
import type { Repo } from '../repo.js';
import type { FetchedBody } from './fetcher.js';
import { TempFileWriter } from './temp-file-writer.js';
import { writeAllSync } from '../write-all.js';

/**
 * Verification and storage of fetched objects: nothing reaches `objects/` before its bytes hash to
 * its name. Archive `.filez` bodies are decompressed and hashed; an archive target keeps the
 * verified compressed bytes as they are, other modes get the decompressed file.
 */

/** Content bodies up to this size are verified in memory; larger ones stream through temp files. */
export const CONTENT_MEMORY_LIMIT = 4 * 1024 * 1024;

/**
 * A spilled body whose object file and declared content are both at most this size is verified in
 * one synchronous pass (read, inflate, hash, write the content out) instead of through streams:
 * the bytes are held only during that pass, one object at a time.
 */
const SYNC_VERIFY_LIMIT = 64 * 1024 * 1024;

/**
 * Chunk size of those streams (read, inflate, write): streams' defaults (64 KiB reads, 16 KiB
 * inflate output) turn a 20 MB object into a thousand promise and callback round trips.
 */
const STREAM_CHUNK = 256 * 1024;

const isLinkMode = (mode: number): boolean => (mode & S_IFMT) === S_IFLNK;

function mismatch(what: string, checksum: string, actual: string, type: ObjectType): ChecksumMismatchError {
  return new ChecksumMismatchError(`Corrupted ${what} object ${checksum}: actual checksum is ${actual}`, {
    expected: checksum,
    actual,
    data: { checksum, type },
  });
}

function corrupt(checksum: string, why: string, cause?: unknown): CorruptError {
  return new CorruptError(`Corrupted file object ${checksum}: ${why}`, { cause, data: { checksum, type: 'file' } });
}

/** Throws a ChecksumMismatchError unless `bytes` hash to `checksum`. */
export function verifyMetadataBytes(type: ObjectType, checksum: string, bytes: Uint8Array): void {
  const actual = sha256Hex(bytes);
  if (actual !== checksum) throw mismatch(type, checksum, actual, type);
}

function metaOf(h: FileHeader): ContentMeta {
  return { uid: h.uid, gid: h.gid, mode: h.mode, symlinkTarget: h.symlinkTarget, xattrs: h.xattrs };
}

/** A content object whose bytes have been checked against its checksum. */
export interface VerifiedContent {
  checksum: string;
  meta: ContentMeta;
  size: number;
  /** The uncompressed file bytes (in-memory bodies). */
  content?: Uint8Array;
  /** A temp file holding the uncompressed bytes (large bodies, non-archive targets). */
  contentFile?: string;
  /** `contentFile` is already the finished object file (mode, xattrs, mtime), made by the write thread: only staged. */
  finished?: boolean;
}

/**
 * Where a pull's temp files go (ostree's per-transaction staging directory) and, for bare-user /
 * bare-user-only pulls, the write thread that verifies and writes content objects.
 */
export interface PullStaging {
  /** A fresh temp file path. */
  tmpPath(): string;
  writer?: ContentWriter;
  /**
   * A second write thread (started on the first call) for bodies fetched into temp files, the big objects:
   * inflating and writing tens of megabytes takes long enough that small objects queued behind one would
   * stall the fetches.
   */
  bulkWriter?: () => ContentWriter | undefined;
}

/** Temp files directly in `tmp/`, no write thread. */
function tmpStaging(repo: Repo): PullStaging {
  return { tmpPath: () => repoTmpPath(repo, 'pull') };
}

function parseHeaderOrCorrupt(checksum: string, bytes: Uint8Array): { header: FilezHeader; payloadOffset: number } {
  try {
    return parseFilezHeader(bytes);
  } catch (error) {
    throw corrupt(checksum, `invalid archive header: ${(error as Error).message}`, error);
  }
}

/** Decompresses and hashes an in-memory `.filez` body. ChecksumMismatchError / CorruptError. */
export function verifyFilezBytes(checksum: string, bytes: Uint8Array): VerifiedContent {
  const { header, payloadOffset } = parseHeaderOrCorrupt(checksum, bytes);
  const payload = bytes.subarray(payloadOffset);
  let content: Uint8Array;
  if (isLinkMode(header.mode)) {
    if (payload.length !== 0) throw corrupt(checksum, 'symlink object has trailing data');
    content = new Uint8Array(0);
  } else {
    let out: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      out = inflateRawSync(payload, { info: true, maxOutputLength: Math.max(1, header.size) }) as unknown as typeof out;
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      const why = e.code === 'ERR_BUFFER_TOO_LARGE' ? `content is larger than its declared ${header.size} bytes` : `invalid DEFLATE payload (${e.message})`;
      throw corrupt(checksum, why, error);
    }
    if (out.engine.bytesWritten !== payload.length) throw corrupt(checksum, 'trailing data after the DEFLATE stream');
    content = out.buffer;
    if (content.length !== header.size) throw corrupt(checksum, `content has ${content.length} bytes, header says ${header.size}`);
  }
  const actual = createContentHasher(header).update(content).digest('hex');
  if (actual !== checksum) throw mismatch('file', checksum, actual, 'file');
  return { checksum, meta: metaOf(header), size: content.length, content };
}

/**
 * Hashes a content stream against `checksum`, optionally writing the bytes to a new temp file
 * (returned). The temp file is removed on failure.
 */
async function hashContentStream(
  repo: Repo,
  checksum: string,
  header: FileHeader,
  size: number,
  content: AsyncIterable<Uint8Array>,
  keep: boolean,
  staging: PullStaging,
): Promise<string | undefined> {
  const hash = createContentHasher(header);
  const file = keep ? staging.tmpPath() : undefined;
  const out = file ? new TempFileWriter(file, { mode: 0o600, highWaterMark: STREAM_CHUNK }) : undefined;
  let total = 0;
  try {
    for await (const chunk of content) {
      hash.update(chunk);
      total += chunk.length;
      await out?.write(chunk);
    }
    await out?.end();
  } catch (error) {
    await out?.discard();
    if (isTsostreeError(error, CorruptError.code)) throw corrupt(checksum, (error as Error).message, error);
    if (isTsostreeError(error)) throw error;
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno && !errno.startsWith('Z_') && errno !== 'ERR_BUFFER_TOO_LARGE') throw fromSystemError(error, `writing ${file ?? 'content'}`);
    throw corrupt(checksum, (error as Error).message, error);
  }
  const actual = hash.digest('hex');
  const bad = total !== size ? corrupt(checksum, `content has ${total} bytes, header says ${size}`) : actual !== checksum ? mismatch('file', checksum, actual, 'file') : undefined;
  if (bad) {
    if (file) await rm(file, { force: true });
    throw bad;
  }
  return file;
}

/**
 * Streams a `.filez` file through decompression and hashing. When `keepContent` (non-archive
 * targets) the decompressed bytes are left in a temp file (`contentFile`).
 */
export async function verifyFilezFile(
  repo: Repo,
  checksum: string,
  file: string,
  keepContent: boolean,
  syncLimit = SYNC_VERIFY_LIMIT,
  staging = tmpStaging(repo),
): Promise<VerifiedContent> {
  const whole = verifyFilezFileSync(checksum, file, keepContent, syncLimit, staging);
  if (whole) return whole;
  let decoded;
  try {
    decoded = await decodeFilez(createReadStream(file, { highWaterMark: STREAM_CHUNK }), { chunkSize: STREAM_CHUNK });
  } catch (error) {
    throw corrupt(checksum, `invalid archive object: ${(error as Error).message}`, error);
  }
  const { header, content } = decoded;
  if (isLinkMode(header.mode)) {
    const actual = createContentHasher(header).digest('hex');
    if (actual !== checksum) throw mismatch('file', checksum, actual, 'file');
    return { checksum, meta: metaOf(header), size: 0, content: new Uint8Array(0) };
  }
  const contentFile = await hashContentStream(repo, checksum, header, header.size, content, keepContent, staging);
  return { checksum, meta: metaOf(header), size: header.size, contentFile };
}

/**
 * {@link verifyFilezFile} in one synchronous pass for objects within `limit` bytes (file and
 * declared content); undefined (nothing done) for bigger ones, which stream.
 */
function verifyFilezFileSync(checksum: string, file: string, keepContent: boolean, limit: number, staging: PullStaging): VerifiedContent | undefined {
  let bytes: Uint8Array;
  let fd = openForReading(file);
  try {
    const size = fstatSync(fd).size;
    if (size > limit) return undefined;
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, null);
      if (n === 0) break;
      got += n;
    }
    bytes = buf.subarray(0, got);
  } catch (error) {
    throw fromSystemError(error, `reading ${file}`);
  } finally {
    closeSync(fd);
  }
  if (parseHeaderOrCorrupt(checksum, bytes).header.size > limit) return undefined;
  const verified = verifyFilezBytes(checksum, bytes);
  if (!keepContent || isLinkMode(verified.meta.mode)) return keepContent ? verified : { checksum, meta: verified.meta, size: verified.size };
  const contentFile = staging.tmpPath();
  const content = verified.content!;
  fd = -1;
  try {
    fd = openSync(contentFile, 'wx', 0o600);
    writeAllSync(fd, content);
  } catch (error) {
    rmSync(contentFile, { force: true });
    throw fromSystemError(error, `writing ${contentFile}`);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return { checksum, meta: verified.meta, size: verified.size, contentFile };
}

/**
 * Verifies a fetched `.filez` body (memory or file); see {@link verifyFilezBytes}. With a write
 * thread (bare-user / bare-user-only targets) a regular file's payload is inflated, hashed and, when
 * it matches, written as the finished object file on that thread; this one only parses the header.
 */
export async function verifyFilezBody(repo: Repo, checksum: string, body: FetchedBody, staging = tmpStaging(repo)): Promise<VerifiedContent> {
  const writer = body.file === undefined ? staging.writer : (staging.bulkWriter?.() ?? staging.writer);
  if (writer && !repo.isArchive) {
    const head = body.bytes ?? readFilezHead(checksum, body.file);
    const { header, payloadOffset } = parseHeaderOrCorrupt(checksum, head);
    // A fetched file streams through the thread in bounded memory whatever its size; an in-memory body is inflated whole.
    if (!isLinkMode(header.mode) && (body.file !== undefined || header.size <= SYNC_VERIFY_LIMIT)) {
      const meta = metaOf(header);
      const tmp = staging.tmpPath();
      const { prefix, userMeta } = headerBytes(header);
      await writer.verifyFilez({
        tmp,
        checksum,
        size: header.size,
        headerPrefix: prefix,
        payload: body.bytes?.subarray(payloadOffset),
        file: body.file === undefined ? undefined : { path: body.file, payloadOffset },
        mode: meta.mode & 0o777,
        meta: repo.mode === 'bare-user' ? userMeta : undefined,
      });
      return { checksum, meta, size: header.size, contentFile: tmp, finished: true };
    }
  }
  if (body.bytes) return verifyFilezBytes(checksum, body.bytes);
  return verifyFilezFile(repo, checksum, body.file, !repo.isArchive, SYNC_VERIFY_LIMIT, staging);
}

/** {@link headerBytes} of xattr-less headers by owner and mode: a tree's files share a few. */
const headerBytesCache = new Map<string, { prefix: Uint8Array; userMeta: Uint8Array }>();

/** The framed file header a content checksum starts with, and the object's bare-user `user.ostreemeta`. */
function headerBytes(h: FileHeader): { prefix: Uint8Array; userMeta: Uint8Array } {
  const key = h.xattrs.length === 0 ? `${h.uid}:${h.gid}:${h.mode}` : undefined;
  let bytes = key === undefined ? undefined : headerBytesCache.get(key);
  if (!bytes) {
    bytes = { prefix: fileHeaderStreamPrefix(h), userMeta: serializeFileMeta({ uid: h.uid, gid: h.gid, mode: h.mode, xattrs: h.xattrs }) };
    if (key !== undefined && headerBytesCache.size < 4096) headerBytesCache.set(key, bytes);
  }
  return bytes;
}

/** An open descriptor of `file`, or the typed error ("reading FILE: …"). */
function openForReading(file: string): number {
  try {
    return openSync(file, 'r');
  } catch (error) {
    throw fromSystemError(error, `reading ${file}`);
  }
}

/** The framed header at the start of a fetched `.filez` file (CorruptError when it is not there). */
function readFilezHead(checksum: string, file: string): Uint8Array {
  const fd = openForReading(file);
  try {
    const first = Buffer.alloc(8);
    if (readSync(fd, first, 0, 8, 0) < 8) throw corrupt(checksum, 'invalid archive header: content header truncated');
    let total: number;
    try {
      total = framedHeaderLength(first);
    } catch (error) {
      throw corrupt(checksum, `invalid archive header: ${(error as Error).message}`, error);
    }
    const head = Buffer.alloc(total);
    const got = readSync(fd, head, 0, total, 0);
    return head.subarray(0, got);
  } catch (error) {
    if (isTsostreeError(error)) throw error;
    throw fromSystemError(error, `reading ${file}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Stores a verified content object fetched as `.filez` (`body`). Archive targets keep the
 * compressed bytes; the body's temp file (if any) is consumed.
 */
export async function storeVerifiedFilez(repo: Repo, body: FetchedBody, verified: VerifiedContent, txn: WriteTxn, staging = tmpStaging(repo)): Promise<void> {
  const { checksum } = verified;
  if (verified.finished) {
    if (!txn.stage(verified.contentFile!, checksum, 'file')) await rm(verified.contentFile!, { force: true });
    return;
  }
  if (body.bytes && storeVerifiedSync(repo, verified, body.bytes, txn, staging)) return;
  if (repo.isArchive) {
    if (body.bytes) {
      const tmp = await writeTempFile(repo, body.bytes, 0o644, txn);
      await publishObject(repo, tmp, checksum, 'file', txn);
    } else {
      await publishObject(repo, body.file, checksum, 'file', txn);
    }
    return;
  }
  if (body.file) await rm(body.file, { force: true });
  await storeVerifiedContent(repo, verified, txn, staging);
}

/** Writes a verified metadata object to a temp file and stages it (synchronously: they are small). */
export function storeMetadataSync(repo: Repo, type: ObjectType, checksum: string, bytes: Uint8Array, txn: WriteTxn, staging = tmpStaging(repo)): void {
  if (txn.has(checksum, type)) return;
  const tmp = staging.tmpPath();
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    writeAllSync(fd, bytes);
    closeSync(fd);
    fd = undefined;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw fromSystemError(error, `storing object ${checksum}.${type}`);
  }
  if (!txn.stage(tmp, checksum, type)) rmSync(tmp, { force: true });
}

/**
 * Synchronous store of a small verified regular file or archive body: a handful of syscalls
 * without thread-pool round trips (the per-object cost dominates pulls of many small files).
 * Returns false when the object needs the general path (symlinks, file bodies).
 */
export function storeVerifiedSync(repo: Repo, verified: VerifiedContent, rawFilez: Uint8Array | undefined, txn: WriteTxn, staging = tmpStaging(repo)): boolean {
  const { checksum, meta } = verified;
  if (isLinkMode(meta.mode)) return false;
  const data = repo.isArchive ? rawFilez : verified.content;
  if (!data) return false;
  const tmp = staging.tmpPath();
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', repo.isArchive ? 0o644 : 0o600);
    writeAllSync(fd, data);
    if (!repo.isArchive) {
      // The same metadata finishBareObject applies, through the open descriptor.
      if (repo.mode === 'bare') {
        fchownSync(fd, meta.uid, meta.gid);
        fchmodSync(fd, meta.mode & 0o7777);
        for (const x of meta.xattrs) repo.xattrs.set(tmp, x.name, x.value);
      } else if (repo.mode === 'bare-user') {
        fchmodSync(fd, meta.mode & 0o777);
        repo.xattrs.set(tmp, 'user.ostreemeta', serializeFileMeta({ uid: meta.uid, gid: meta.gid, mode: meta.mode, xattrs: meta.xattrs }));
      } else {
        fchmodSync(fd, meta.mode & 0o777);
      }
      futimesSync(fd, 0, 0);
    }
    closeSync(fd);
    fd = undefined;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw fromSystemError(error, `storing object ${checksum}`);
  }
  if (!txn.stage(tmp, checksum, 'file')) rmSync(tmp, { force: true });
  return true;
}

/** Stores verified uncompressed content in a non-archive or archive repository. */
export async function storeVerifiedContent(repo: Repo, verified: VerifiedContent, txn: WriteTxn, staging = tmpStaging(repo)): Promise<void> {
  const { checksum, meta } = verified;
  if (verified.contentFile) {
    if (repo.isArchive) {
      try {
        await storeFileFromPath(repo, verified.contentFile, meta, verified.size, txn);
      } finally {
        await rm(verified.contentFile, { force: true });
      }
    } else {
      await finishBareObject(repo, verified.contentFile, meta, checksum, false, txn);
    }
    return;
  }
  if (!repo.isArchive && storeVerifiedSync(repo, verified, undefined, txn, staging)) return;
  const content = verified.content ?? new Uint8Array(0);
  if (isLinkMode(meta.mode) || repo.isArchive) {
    await storeContent(repo, meta, content, txn);
    return;
  }
  const tmp = await writeTempFile(repo, content, 0o600, txn);
  await finishBareObject(repo, tmp, meta, checksum, false, txn);
}

/**
 * Reads and verifies a content object of another (local) repository of any mode: in memory when
 * small, through a temp file otherwise.
 */
export async function verifyLocalContent(repo: Repo, checksum: string, opened: OpenedContent, staging = tmpStaging(repo)): Promise<VerifiedContent> {
  const header: FileHeader = { ...opened.meta, rdev: 0 };
  if (isLinkMode(opened.meta.mode)) {
    const actual = createContentHasher(header).digest('hex');
    if (actual !== checksum) throw mismatch('file', checksum, actual, 'file');
    return { checksum, meta: opened.meta, size: 0, content: new Uint8Array(0) };
  }
  if (opened.size <= CONTENT_MEMORY_LIMIT) {
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const c of opened.stream()) {
        chunks.push(c as Buffer);
        total += (c as Buffer).length;
        if (total > opened.size) break;
      }
    } catch (error) {
      throw corrupt(checksum, (error as Error).message, error);
    }
    const content = Buffer.concat(chunks, total);
    if (total !== opened.size) throw corrupt(checksum, `content has ${total} bytes, header says ${opened.size}`);
    const sum = createContentHasher(header).update(content).digest('hex');
    if (sum !== checksum) throw mismatch('file', checksum, sum, 'file');
    return { checksum, meta: opened.meta, size: total, content };
  }
  const contentFile = await hashContentStream(repo, checksum, header, opened.size, opened.stream(), true, staging);
  return { checksum, meta: opened.meta, size: opened.size, contentFile };
}
