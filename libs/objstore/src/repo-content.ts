import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  fchmodSync,
  fchownSync,
  fdatasyncSync,
  futimesSync,
  lchownSync,
  lstatSync,
  lutimesSync,
  openSync,
  readSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  type Stats,
} from 'node:fs';
import { chmod, lchown, lstat, lutimes, open, readFile, rm, symlink, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createInflateRaw, deflateRaw, deflateRawSync } from 'node:zlib';
import { ChecksumMismatchError, CorruptError, NotFoundError, UnsupportedError, fromSystemError, isTsostreeError } from '@tsostree/errors';
import { parseFileMeta, serializeFileMeta } from './format/dirmeta.js';
import { fileHeaderStreamPrefix, parseFilezHeader, serializeFilezHeader } from './format/file-header.js';
import { S_IFLNK, S_IFMT, S_IFREG } from './format/validate.js';
import { assertChecksum } from './format/object-path.js';
import {
  hasObject,
  hasObjectSync,
  objectPath,
  publishObject,
  publishObjectSync,
  repoTmpPath,
  type WriteTxn,
} from './repo-objects.js';
import type { Repo } from './repo.js';
import { writeAllAsync, writeAllSync } from './write-all.js';
import type { Xattr } from './xattrs.js';

const deflateRawAsync = promisify(deflateRaw);

/** The metadata of a content object (what its header records). */
export interface ContentMeta {
  uid: number;
  gid: number;
  /** Full st_mode including S_IFREG or S_IFLNK. */
  mode: number;
  /** Symlink target, `''` for regular files. */
  symlinkTarget: string;
  xattrs: Xattr[];
}

/** Files up to this size are hashed and written from memory; larger ones are streamed. */
export const SMALL_FILE_LIMIT = 1024 * 1024;
const CHUNK = 256 * 1024;

export const isSymlinkMode = (mode: number): boolean => (mode & S_IFMT) === S_IFLNK;

function header(meta: ContentMeta): Uint8Array {
  return fileHeaderStreamPrefix({
    uid: meta.uid,
    gid: meta.gid,
    mode: meta.mode,
    rdev: 0,
    symlinkTarget: meta.symlinkTarget,
    xattrs: meta.xattrs,
  });
}

function archiveHeader(meta: ContentMeta, size: number): Uint8Array {
  return serializeFilezHeader({
    size,
    uid: meta.uid,
    gid: meta.gid,
    mode: meta.mode,
    rdev: 0,
    symlinkTarget: meta.symlinkTarget,
    xattrs: meta.xattrs,
  });
}

/** The content checksum of a file: SHA-256 over the framed file header and the content. */
function checksumOf(meta: ContentMeta, content: Uint8Array): string {
  return createHash('sha256').update(header(meta)).update(content).digest('hex');
}

async function closeQuietly(fh: FileHandle | undefined): Promise<void> {
  await fh?.close().catch(() => undefined);
}

/**
 * Applies the mode-specific metadata to a freshly written temp object (bare: owner, mode,
 * xattrs; bare-user: mode plus `user.ostreemeta`; bare-user-only: mode), then publishes it.
 */
export async function finishBareObject(repo: Repo, tmp: string, meta: ContentMeta, checksum: string, isLink: boolean, txn?: WriteTxn): Promise<void> {
  try {
    if (repo.mode === 'bare') {
      await lchown(tmp, meta.uid, meta.gid);
      if (!isLink) await chmod(tmp, meta.mode & 0o7777);
      for (const x of meta.xattrs) repo.xattrs.set(tmp, x.name, x.value);
    } else if (repo.mode === 'bare-user') {
      await chmod(tmp, isLink ? 0o644 : meta.mode & 0o777);
      repo.xattrs.set(
        tmp,
        'user.ostreemeta',
        serializeFileMeta({ uid: meta.uid, gid: meta.gid, mode: meta.mode, xattrs: meta.xattrs }),
      );
    } else if (!isLink) {
      await chmod(tmp, meta.mode & 0o777);
    }
    // ostree gives bare objects mtime 0 (OSTREE_TIMESTAMP); hardlinked checkouts show it.
    await lutimes(tmp, 0, 0);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await publishObject(repo, tmp, checksum, 'file', txn);
}

async function writeAll(fh: FileHandle, chunks: readonly Uint8Array[], sync: boolean): Promise<void> {
  for (const c of chunks) if (c.length > 0) await writeAllAsync(fh, c);
  if (sync) await fh.datasync();
}

/** Stores a content object whose bytes are in memory (or a symlink). Returns its checksum. */
export async function storeContent(repo: Repo, meta: ContentMeta, content: Uint8Array = new Uint8Array(0), txn?: WriteTxn): Promise<string> {
  const isLink = isSymlinkMode(meta.mode);
  const body = isLink ? new Uint8Array(0) : content;
  const checksum = checksumOf(meta, body);
  if (await hasObject(repo, 'file', checksum, txn)) return checksum;
  const tmp = repoTmpPath(repo);
  if (repo.mode === 'archive') {
    const compressed = isLink ? new Uint8Array(0) : await deflateRawAsync(body, { level: 6 });
    await writeNewFile(repo, tmp, [archiveHeader(meta, body.length), compressed], 0o644, txn);
    await publishObject(repo, tmp, checksum, 'file', txn);
    return checksum;
  }
  if (isLink && repo.mode !== 'bare-user') {
    try {
      await symlink(meta.symlinkTarget, tmp);
    } catch (error) {
      throw fromSystemError(error, `creating symlink object ${checksum}`);
    }
  } else {
    // bare-user keeps a symlink as a file holding the target and its C string NUL (like ostree).
    const data = isLink ? Buffer.from(`${meta.symlinkTarget}\0`) : body;
    await writeNewFile(repo, tmp, [data], 0o600, txn);
  }
  await finishBareObject(repo, tmp, meta, checksum, isLink && repo.mode !== 'bare-user', txn);
  return checksum;
}

async function writeNewFile(repo: Repo, tmp: string, chunks: readonly Uint8Array[], mode: number, txn?: WriteTxn): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', mode);
    await writeAll(fh, chunks, repo.fsync && !txn);
    await fh.close();
    fh = undefined;
  } catch (error) {
    await closeQuietly(fh);
    await rm(tmp, { force: true });
    throw fromSystemError(error, `writing ${tmp}`);
  }
}

/**
 * Stores a regular file from disk, streaming it (bounded memory) when it is large. `meta.mode`
 * must be S_IFREG. Returns the content checksum.
 */
export async function storeFileFromPath(repo: Repo, path: string, meta: ContentMeta, size: number, txn?: WriteTxn): Promise<string> {
  if (size <= SMALL_FILE_LIMIT) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw fromSystemError(error, `reading ${path}`);
    }
    return storeContent(repo, meta, bytes, txn);
  }
  const hash = createHash('sha256').update(header(meta));
  const tmp = repoTmpPath(repo);
  let out: FileHandle | undefined;
  let input: FileHandle | undefined;
  let total = 0;
  try {
    input = await open(path, 'r');
    out = await open(tmp, 'wx', repo.mode === 'archive' ? 0o644 : 0o600);
    const buf = Buffer.allocUnsafe(CHUNK);
    if (repo.mode === 'archive') {
      // Header first (size known from stat; checked after reading), then the raw deflate stream.
      await out.write(archiveHeader(meta, size));
      const { createDeflateRaw } = await import('node:zlib');
      const deflate = createDeflateRaw({ level: 6 });
      const output = out;
      const pump = (async () => {
        for await (const chunk of deflate) await output.write(chunk as Buffer);
      })();
      for (;;) {
        const { bytesRead } = await input.read(buf, 0, CHUNK, null);
        if (bytesRead === 0) break;
        const piece = Buffer.from(buf.subarray(0, bytesRead));
        hash.update(piece);
        total += bytesRead;
        if (!deflate.write(piece)) await new Promise<void>((r) => deflate.once('drain', () => r()));
      }
      deflate.end();
      await pump;
    } else {
      for (;;) {
        const { bytesRead } = await input.read(buf, 0, CHUNK, null);
        if (bytesRead === 0) break;
        const piece = buf.subarray(0, bytesRead);
        hash.update(piece);
        total += bytesRead;
        await out.write(piece);
      }
    }
    if (total !== size) throw new CorruptError(`${path} changed size while being committed`, { data: { path } });
    if (repo.fsync && !txn) await out.datasync();
    await out.close();
    out = undefined;
  } catch (error) {
    await closeQuietly(out);
    await rm(tmp, { force: true });
    if (error instanceof CorruptError) throw error;
    throw fromSystemError(error, `storing ${path}`);
  } finally {
    await closeQuietly(input);
  }
  const checksum = hash.digest('hex');
  if (await hasObject(repo, 'file', checksum, txn)) {
    await rm(tmp, { force: true });
    return checksum;
  }
  if (repo.mode === 'archive') await publishObject(repo, tmp, checksum, 'file', txn);
  else await finishBareObject(repo, tmp, meta, checksum, false, txn);
  return checksum;
}

// --- Synchronous fast path -------------------------------------------------------------------
// A commit stores tens of thousands of mostly small files. Doing each step as a direct syscall on
// the calling thread (no thread-pool round trip, no promise per step) costs a fraction of the
// asynchronous path's CPU; the commit walker yields to the event loop between batches.

let scratch: Buffer | undefined;
/** A reusable read buffer (content is consumed synchronously before the next file is read). */
function scratchBuffer(): Buffer {
  scratch ??= Buffer.allocUnsafe(SMALL_FILE_LIMIT);
  return scratch;
}

function readFullySync(fd: number, buf: Buffer, length: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, null);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** `user.ostreemeta` of frozen (shared, unchangeable) metadata objects, serialized once each. */
const frozenFileMeta = new WeakMap<ContentMeta, Uint8Array>();

/** The bare-user `user.ostreemeta` value for `meta` (cached when `meta` is frozen: a static delta shares one per mode). */
function fileMetaBytes(meta: ContentMeta): Uint8Array {
  const frozen = Object.isFrozen(meta);
  const cached = frozen ? frozenFileMeta.get(meta) : undefined;
  if (cached) return cached;
  const bytes = serializeFileMeta({ uid: meta.uid, gid: meta.gid, mode: meta.mode, xattrs: meta.xattrs });
  if (frozen) frozenFileMeta.set(meta, bytes);
  return bytes;
}

/**
 * Applies the bare-mode metadata to a freshly written temp object through its open descriptor
 * (owner, mode, `user.ostreemeta` / xattrs, mtime 0), then closes it. Always closes `fd`.
 */
function finishBareFileSync(repo: Repo, fd: number, tmp: string, meta: ContentMeta, isLinkAsFile: boolean): void {
  try {
    if (repo.mode === 'bare') {
      fchownSync(fd, meta.uid, meta.gid);
      fchmodSync(fd, meta.mode & 0o7777);
      for (const x of meta.xattrs) repo.xattrs.set(tmp, x.name, x.value);
    } else if (repo.mode === 'bare-user') {
      fchmodSync(fd, isLinkAsFile ? 0o644 : meta.mode & 0o777);
      repo.xattrs.set(tmp, 'user.ostreemeta', fileMetaBytes(meta));
    } else {
      fchmodSync(fd, meta.mode & 0o777);
    }
    futimesSync(fd, 0, 0);
  } finally {
    closeSync(fd);
  }
}

/** Creates a bare / bare-user-only symlink object at `tmp` with its owner, xattrs and mtime 0. */
function makeBareSymlinkSync(repo: Repo, tmp: string, meta: ContentMeta): void {
  symlinkSync(meta.symlinkTarget, tmp);
  if (repo.mode === 'bare') {
    lchownSync(tmp, meta.uid, meta.gid);
    for (const x of meta.xattrs) repo.xattrs.set(tmp, x.name, x.value);
  }
  lutimesSync(tmp, 0, 0);
}

/**
 * {@link storeContent} for archive repositories as the commit walker calls it: hashing and the file calls are
 * direct syscalls on the calling thread, only the deflate goes to the thread pool (several files compress at
 * once while the walker reads the next ones). `content` must not be reused by the caller before this settles.
 */
export async function storeArchiveContent(repo: Repo, meta: ContentMeta, content: Uint8Array = new Uint8Array(0), txn?: WriteTxn): Promise<string> {
  const isLink = isSymlinkMode(meta.mode);
  const body = isLink ? new Uint8Array(0) : content;
  const checksum = checksumOf(meta, body);
  if (hasObjectSync(repo, 'file', checksum, txn)) return checksum;
  const compressed = isLink ? new Uint8Array(0) : await deflateRawAsync(body, { level: 6 });
  const tmp = repoTmpPath(repo);
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      writeAllSync(fd, archiveHeader(meta, body.length));
      writeAllSync(fd, compressed);
      if (repo.fsync && !txn) fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    publishObjectSync(repo, tmp, checksum, 'file', txn);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw fromSystemError(error, `storing content object ${checksum}`);
  }
  return checksum;
}

/** Synchronous twin of {@link storeContent} (every mode). Returns the content checksum. */
export function storeContentSync(repo: Repo, meta: ContentMeta, content: Uint8Array = new Uint8Array(0), txn?: WriteTxn): string {
  const body = isSymlinkMode(meta.mode) ? new Uint8Array(0) : content;
  const checksum = checksumOf(meta, body);
  storeVerifiedContentSync(repo, meta, [body], checksum, txn);
  return checksum;
}

/**
 * Stores a content object whose checksum the caller has already computed from exactly these
 * bytes (a static delta re-hashes every object it builds): no second hash. The body may come in
 * pieces (delta `write` operations), written in order without joining them. Returns false when
 * the object was already present.
 */
export function storeVerifiedContentSync(repo: Repo, meta: ContentMeta, chunks: readonly Uint8Array[], checksum: string, txn?: WriteTxn): boolean {
  const isLink = isSymlinkMode(meta.mode);
  if (hasObjectSync(repo, 'file', checksum, txn)) return false;
  const tmp = repoTmpPath(repo);
  try {
    if (repo.mode === 'archive') {
      const fd = openSync(tmp, 'wx', 0o644);
      try {
        const size = isLink ? 0 : chunks.reduce((n, c) => n + c.length, 0);
        writeAllSync(fd, archiveHeader(meta, size));
        if (!isLink) writeAllSync(fd, deflateRawSync(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), { level: 6 }));
        if (repo.fsync && !txn) fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } else if (isLink && repo.mode !== 'bare-user') {
      makeBareSymlinkSync(repo, tmp, meta);
    } else {
      const fd = openSync(tmp, 'wx', 0o600);
      // bare-user keeps a symlink as a file holding the target and its C string NUL (like ostree).
      const data: readonly Uint8Array[] = isLink ? [Buffer.from(`${meta.symlinkTarget}\0`)] : chunks;
      try {
        for (const c of data) writeAllSync(fd, c);
        if (repo.fsync && !txn) fdatasyncSync(fd);
      } catch (error) {
        closeSync(fd);
        throw error;
      }
      finishBareFileSync(repo, fd, tmp, meta, isLink);
    }
    publishObjectSync(repo, tmp, checksum, 'file', txn);
  } catch (error) {
    rmSync(tmp, { force: true });
    if (isTsostreeError(error)) throw error;
    throw fromSystemError(error, `storing content object ${checksum}`);
  }
  return true;
}

/**
 * Synchronous twin of {@link storeFileFromPath}: small files are read once into a reused buffer,
 * hashed and written from it; large ones are copied in 1 MiB chunks, hashed on the way (the
 * source is read exactly once). Returns the content checksum.
 */
export function storeFileFromPathSync(repo: Repo, path: string, meta: ContentMeta, size: number, txn?: WriteTxn): string {
  let input: number;
  try {
    input = openSync(path, 'r');
  } catch (error) {
    throw fromSystemError(error, `reading ${path}`);
  }
  const buf = scratchBuffer();
  if (size < buf.length) {
    let n: number;
    try {
      n = readFullySync(input, buf, size + 1);
    } catch (error) {
      throw fromSystemError(error, `reading ${path}`);
    } finally {
      closeSync(input);
    }
    if (n !== size) throw new CorruptError(`${path} changed size while being committed`, { data: { path } });
    return storeContentSync(repo, meta, buf.subarray(0, n), txn);
  }
  if (repo.mode === 'archive') {
    closeSync(input);
    throw new UnsupportedError('storeFileFromPathSync streams large files only into bare repositories');
  }
  const hash = createHash('sha256').update(header(meta));
  const tmp = repoTmpPath(repo);
  let out: number | undefined;
  let total = 0;
  try {
    out = openSync(tmp, 'wx', 0o600);
    for (;;) {
      const n = readSync(input, buf, 0, buf.length, null);
      if (n === 0) break;
      const piece = buf.subarray(0, n);
      hash.update(piece);
      writeAllSync(out, piece);
      total += n;
    }
    if (total !== size) throw new CorruptError(`${path} changed size while being committed`, { data: { path } });
    const checksum = hash.digest('hex');
    if (hasObjectSync(repo, 'file', checksum, txn)) {
      closeSync(out);
      out = undefined;
      rmSync(tmp, { force: true });
      return checksum;
    }
    if (repo.fsync && !txn) fdatasyncSync(out);
    const fd = out;
    out = undefined;
    finishBareFileSync(repo, fd, tmp, meta, false);
    publishObjectSync(repo, tmp, checksum, 'file', txn);
    return checksum;
  } catch (error) {
    if (out !== undefined) closeSync(out);
    rmSync(tmp, { force: true });
    if (isTsostreeError(error)) throw error;
    throw fromSystemError(error, `storing ${path}`);
  } finally {
    closeSync(input);
  }
}

/** A content object opened for reading: its metadata, size and (for regular files) content. */
export interface OpenedContent {
  meta: ContentMeta;
  /** Uncompressed content size (0 for symlinks). */
  size: number;
  /** Path of the loose object. */
  path: string;
  /** A stream of the content (regular files only). */
  stream(): Readable;
  /** Byte offset of the content in the object file (bare modes), for copy fast paths. */
  rawOffset?: number;
}

/** Opens a content object in any repo mode and decodes its metadata (no verification). */
export async function openContent(repo: Repo, checksum: string): Promise<OpenedContent> {
  assertChecksum(checksum);
  const path = objectPath(repo, checksum, 'file');
  let st: Stats;
  try {
    st = await lstat(path);
  } catch (error) {
    throw contentStatError(error, checksum);
  }
  return openedContent(repo, checksum, path, st);
}

/**
 * Synchronous twin of {@link openContent}, for loops that open many objects one after the other
 * (a static delta's read sources): no thread-pool round trip per object.
 */
export function openContentSync(repo: Repo, checksum: string): OpenedContent {
  assertChecksum(checksum);
  const path = objectPath(repo, checksum, 'file');
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (error) {
    throw contentStatError(error, checksum);
  }
  return openedContent(repo, checksum, path, st);
}

function contentStatError(error: unknown, checksum: string): Error {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    return new NotFoundError(`No such content object ${checksum}`, { cause: error, data: { checksum, type: 'file' } });
  }
  return fromSystemError(error, `opening content object ${checksum}`);
}

/** Reads up to `length` bytes from the start of a file (object headers, symlink targets: small). */
function readHeadSync(path: string, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(length);
    return head.subarray(0, readFullySync(fd, head, length));
  } finally {
    closeSync(fd);
  }
}

/** Decodes an object's metadata from its lstat and (small, synchronous) reads of its header. */
function openedContent(repo: Repo, checksum: string, path: string, st: Stats): OpenedContent {
  const corrupt = (why: string, cause?: unknown): CorruptError =>
    new CorruptError(`Corrupted file object ${checksum}: ${why}`, { cause, data: { checksum, type: 'file' } });
  try {
    return decodeOpened(repo, path, st, corrupt);
  } catch (error) {
    if (error instanceof CorruptError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw contentStatError(error, checksum);
    throw fromSystemError(error, `opening content object ${checksum}`);
  }
}

function decodeOpened(repo: Repo, path: string, st: Stats, corrupt: (why: string, cause?: unknown) => CorruptError): OpenedContent {
  if (repo.mode === 'archive') {
    if (!st.isFile()) throw corrupt('not a regular file');
    const head = readHeadSync(path, Math.min(st.size, 65536 + 8));
    let parsed;
    let start: number;
    try {
      const r = parseFilezHeader(head);
      parsed = r.header;
      start = r.payloadOffset;
    } catch (error) {
      throw corrupt('invalid archive header', error);
    }
    const meta: ContentMeta = {
      uid: parsed.uid,
      gid: parsed.gid,
      mode: parsed.mode,
      symlinkTarget: parsed.symlinkTarget,
      xattrs: parsed.xattrs,
    };
    const size = parsed.size;
    return {
      meta,
      size: isSymlinkMode(meta.mode) ? 0 : size,
      path,
      stream: () => createReadStream(path, { start }).pipe(createInflateRaw()),
    };
  }

  if (repo.mode === 'bare-user') {
    if (!st.isFile()) throw corrupt('not a regular file in a bare-user repository');
    const raw = repo.xattrs.get(path, 'user.ostreemeta');
    if (!raw) throw corrupt('missing user.ostreemeta');
    let fm;
    try {
      fm = parseFileMeta(raw);
    } catch (error) {
      throw corrupt('invalid user.ostreemeta', error);
    }
    if (isSymlinkMode(fm.mode)) {
      if (st.size > 4096) throw corrupt('symlink target too long');
      const raw = readHeadSync(path, st.size);
      const end = raw.indexOf(0);
      const target = (end < 0 ? raw : raw.subarray(0, end)).toString('utf8');
      if (target.length === 0) throw corrupt('empty symlink target');
      return { meta: { ...fm, symlinkTarget: target }, size: 0, path, stream: () => Readable.from([]) };
    }
    if ((fm.mode & S_IFMT) !== S_IFREG) throw corrupt('invalid mode in user.ostreemeta');
    return { meta: { ...fm, symlinkTarget: '' }, size: st.size, path, stream: () => createReadStream(path), rawOffset: 0 };
  }

  // bare, bare-user-only: the object is the file itself.
  const xattrs = repo.mode === 'bare' ? repo.xattrs.list(path) : [];
  if (st.isSymbolicLink()) {
    const target = readlinkSync(path);
    const meta: ContentMeta = {
      uid: repo.mode === 'bare' ? st.uid : 0,
      gid: repo.mode === 'bare' ? st.gid : 0,
      mode: S_IFLNK | 0o777,
      symlinkTarget: target,
      xattrs,
    };
    return { meta, size: 0, path, stream: () => Readable.from([]) };
  }
  if (!st.isFile()) throw corrupt('not a regular file or symlink');
  const meta: ContentMeta = {
    uid: repo.mode === 'bare' ? st.uid : 0,
    gid: repo.mode === 'bare' ? st.gid : 0,
    mode: S_IFREG | (st.mode & (repo.mode === 'bare' ? 0o7777 : 0o777)),
    symlinkTarget: '',
    xattrs,
  };
  return { meta, size: st.size, path, stream: () => createReadStream(path), rawOffset: 0 };
}

/** Re-hashes a content object; throws ChecksumMismatchError / CorruptError / NotFoundError. */
export async function verifyContent(repo: Repo, checksum: string): Promise<void> {
  const obj = await openContent(repo, checksum);
  const hash = createHash('sha256').update(header(obj.meta));
  let total = 0;
  if (!isSymlinkMode(obj.meta.mode)) {
    try {
      for await (const chunk of obj.stream()) {
        hash.update(chunk as Buffer);
        total += (chunk as Buffer).length;
      }
    } catch (error) {
      throw new CorruptError(`Corrupted file object ${checksum}: ${(error as Error).message}`, {
        cause: error,
        data: { checksum, type: 'file' },
      });
    }
    if (total !== obj.size) {
      throw new CorruptError(`Corrupted file object ${checksum}: size ${total} does not match header size ${obj.size}`, {
        data: { checksum, type: 'file' },
      });
    }
  }
  const actual = hash.digest('hex');
  if (actual !== checksum) {
    throw new ChecksumMismatchError(`Corrupted file object ${checksum}; actual checksum ${actual}`, {
      expected: checksum,
      actual,
      data: { checksum, type: 'file' },
    });
  }
}
