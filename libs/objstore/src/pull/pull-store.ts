import type { DeltaWriter } from '../delta/delta-write-worker.js';
import { closeSync, createReadStream, fchmodSync, fchownSync, fstatSync, futimesSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { ChecksumMismatchError, CorruptError, fromSystemError, isTsostreeError } from '@tsostree/errors';
import { sha256Hex } from '../format/checksum.js';
import { createContentHasher, parseFilezHeader, type FileHeader, type FilezHeader } from '../format/file-header.js';
import { serializeFileMeta } from '../format/dirmeta.js';
import { decodeFilez } from '../format/filez.js';
import type { ObjectType } from '../format/object-path.js';
import { S_IFLNK, S_IFMT } from '../format/validate.js';
import { finishBareObject, storeContent, storeFileFromPath, type ContentMeta, type OpenedContent } from '../repo-content.js';
import { publishObject, repoTmpPath, writeTempFile, type WriteTxn } from '../repo-objects.js';
import type { Repo } from '../repo.js';
import type { FetchedBody } from './fetcher.js';
import { TempFileWriter } from './temp-file-writer.js';

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
): Promise<string | undefined> {
  const hash = createContentHasher(header);
  const file = keep ? repoTmpPath(repo, 'pull') : undefined;
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
export async function verifyFilezFile(repo: Repo, checksum: string, file: string, keepContent: boolean, syncLimit = SYNC_VERIFY_LIMIT): Promise<VerifiedContent> {
  const whole = verifyFilezFileSync(repo, checksum, file, keepContent, syncLimit);
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
  const contentFile = await hashContentStream(repo, checksum, header, header.size, content, keepContent);
  return { checksum, meta: metaOf(header), size: header.size, contentFile };
}


/**
 * {@link verifyFilezFile} in one synchronous pass for objects within `limit` bytes (file and
 * declared content); undefined (nothing done) for bigger ones, which stream.
 */
function verifyFilezFileSync(repo: Repo, checksum: string, file: string, keepContent: boolean, limit: number): VerifiedContent | undefined {
  let bytes: Uint8Array;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw fromSystemError(error, `reading ${file}`);
  }
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
  const contentFile = repoTmpPath(repo, 'pull');
  const content = verified.content!;
  fd = -1;
  try {
    fd = openSync(contentFile, 'wx', 0o600);
    let off = 0;
    while (off < content.length) off += writeSync(fd, content, off, content.length - off);
  } catch (error) {
    rmSync(contentFile, { force: true });
    throw fromSystemError(error, `writing ${contentFile}`);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return { checksum, meta: verified.meta, size: verified.size, contentFile };
}

/** Verifies a fetched `.filez` body (memory or file); see {@link verifyFilezBytes}. */
export async function verifyFilezBody(repo: Repo, checksum: string, body: FetchedBody): Promise<VerifiedContent> {
  if (body.bytes) return verifyFilezBytes(checksum, body.bytes);
  return verifyFilezFile(repo, checksum, body.file, !repo.isArchive);
}

/**
 * Stores a verified content object fetched as `.filez` (`body`). Archive targets keep the
 * compressed bytes; the body's temp file (if any) is consumed.
 */
export async function storeVerifiedFilez(repo: Repo, body: FetchedBody, verified: VerifiedContent, txn: WriteTxn, writer?: DeltaWriter): Promise<void> {
  const { checksum } = verified;
  if (body.bytes && storeVerifiedSync(repo, verified, body.bytes, txn, writer)) return;
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
  await storeVerifiedContent(repo, verified, txn);
}

/** Writes a verified metadata object to a temp file and stages it (synchronously: they are small). */
export function storeMetadataSync(repo: Repo, type: ObjectType, checksum: string, bytes: Uint8Array, txn: WriteTxn): void {
  if (txn.has(checksum, type)) return;
  const tmp = repoTmpPath(repo, 'pull');
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
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
export function storeVerifiedSync(repo: Repo, verified: VerifiedContent, rawFilez: Uint8Array | undefined, txn: WriteTxn, writer?: DeltaWriter): boolean {
  const { checksum, meta } = verified;
  if (isLinkMode(meta.mode)) return false;
  const data = repo.isArchive ? rawFilez : verified.content;
  if (!data) return false;
  const tmp = repoTmpPath(repo, 'pull');
  if (writer && (repo.mode === 'bare-user' || repo.mode === 'bare-user-only')) {
    // The same file as below, created by the write thread (delta-write-worker.ts): staged now, written before the
    // transaction's commit (the engine drains the thread first).
    if (!txn.stage(tmp, checksum, 'file')) return true;
    const userMeta = repo.mode === 'bare-user' ? serializeFileMeta({ uid: meta.uid, gid: meta.gid, mode: meta.mode, xattrs: meta.xattrs }) : undefined;
    writer.write(tmp, checksum, [data], meta.mode & 0o777, userMeta);
    return true;
  }
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', repo.isArchive ? 0o644 : 0o600);
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
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
export async function storeVerifiedContent(repo: Repo, verified: VerifiedContent, txn: WriteTxn): Promise<void> {
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
  if (!repo.isArchive && storeVerifiedSync(repo, verified, undefined, txn)) return;
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
export async function verifyLocalContent(repo: Repo, checksum: string, opened: OpenedContent): Promise<VerifiedContent> {
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
  const contentFile = await hashContentStream(repo, checksum, header, opened.size, opened.stream(), true);
  return { checksum, meta: opened.meta, size: opened.size, contentFile };
}
