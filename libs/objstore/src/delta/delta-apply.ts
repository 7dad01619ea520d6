/**
 * Executing static deltas into a repository of any mode (ostree-repo-static-delta-processing.c
 * semantics, re-implemented): every part is checked against the SHA-256 the superblock records
 * for it, decompressed with a size bound, its operation stream validated, and every object it
 * produces is re-hashed before it is stored. Objects are staged in a write transaction; the
 * commit object (and its detached metadata) is written last, only after every object the new
 * commit needs is present — a failed or hostile delta leaves the repository consistent.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { ChecksumMismatchError, CorruptError, NotFoundError, UnsupportedError, fromSystemError, throwIfAborted, isTsostreeError } from '@tsostree/errors';
import { sha256Hex } from '../format/checksum.js';
import { serializeCommit } from '../format/commit.js';
import { parseDirMeta, serializeFileMeta } from '../format/dirmeta.js';
import { parseDirTree, type DirTree } from '../format/dirtree.js';
import { createContentHasher, fileHeaderStreamPrefix, MAX_SYMLINK_TARGET } from '../format/file-header.js';
import { vardictGet, type Variant } from '../format/gvariant/value.js';
import { serializeVarDict } from '../format/metadata.js';
import {
  decodeDeltaOps,
  deltaInlinePart,
  parseDeltaPartHeader,
  parseDeltaPartPayload,
  parseDeltaSuperblock,
  parseSignedSuperblock,
  staticDeltaDir,
  type DeltaObject,
  type DeltaPartMeta,
  type DeltaPartPayload,
  type DeltaSuperblock,
} from '../format/static-delta.js';
import { S_IFLNK, S_IFMT, S_IFREG } from '../format/validate.js';
import { openContent, openContentSync, storeVerifiedContentSync, type ContentMeta } from '../repo-content.js';
import { hasObject, hasObjectSync, repoTmpPath, writeCommitMeta, writeMetadataObject, writeMetadataObjectSync, WriteTxn, type MetadataObjectType } from '../repo-objects.js';
import { traverseDirTree } from '../repo-traverse.js';
import type { Repo } from '../repo.js';
import { nodeXattrs, type Xattr } from '../xattrs.js';
import { bspatch } from './bsdiff.js';
import { ContentWriter, makeStagingDir, type RecipePiece } from '../content-writer.js';
import { xzDecompress } from './delta-xz.js';
import { nativeXz } from './xz-native.js';
import { nativeSyncfs } from '../syncfs-native.js';

/** Where the bytes of a delta come from (a delta directory, a repository, an HTTP server). */
export interface DeltaSource {
  /** The superblock file (plain or signed). */
  superblock: Uint8Array;
  /** Part `index` as stored (compression byte + payload); not called for inline parts. */
  readPart(index: number, meta: DeltaPartMeta): Promise<Uint8Array>;
}

export type DeltaApplyEvent =
  | { type: 'part'; index: number; parts: number; objects: number; skipped: boolean }
  | { type: 'fallback'; checksum: string; present: boolean }
  | { type: 'done'; objectsWritten: number };

export interface DeltaApplyOptions {
  signal?: AbortSignal;
  onProgress?: (event: DeltaApplyEvent) => void;
  /**
   * Fetches a fallback object that is not in the repository yet (pull). Without it, a delta whose
   * fallback objects are missing is refused like `ostree static-delta apply-offline` does.
   */
  fetchFallback?: (object: DeltaObject) => Promise<void>;
  /** Largest object a part may produce (default 4 GiB); objects are assembled in memory. */
  maxObjectSize?: number;
  /** Check that every object of the new commit is present before writing it (default true). */
  verifyComplete?: boolean;
  /**
   * Filled with every dirtree the delta carries, hash-checked and parsed, for a caller that walks
   * the new tree next (pull) and need not read and parse them again.
   */
  dirTrees?: Map<string, DirTree>;
  /**
   * Write the new content files on a second thread (bare-user and bare-user-only repositories with
   * the default xattr port; see `content-writer.ts`): true / false force it on / off. Default:
   * when the parts to apply create at least {@link WRITE_THREAD_MIN_FILES} content objects and the
   * machine has more than one core.
   */
  writeThread?: boolean;
}

/** Below this many new content objects a write thread costs more (boot, copies, messages) than it saves. */
export const WRITE_THREAD_MIN_FILES = 256;

export interface DeltaApplyResult {
  from: string | null;
  to: string;
  /** Objects created from parts (already-present ones are not counted). */
  objectsWritten: number;
  partsApplied: number;
  partsSkipped: number;
}

/**
 * A delta whose parts are applied but whose objects are only staged (see {@link stageStaticDelta}):
 * {@link StagedDelta.finish} makes them durable and visible, then stores the commit.
 */
export interface StagedDelta extends DeltaApplyResult {
  /** The objects the parts wrote (`CHECKSUM.TYPE`), verified and staged, in `objects/` once `finish` resolves. */
  staged: ReadonlySet<string>;
  /** The new commit object (hash-checked against `to`) and its detached metadata, stored by `finish`. */
  commitBytes: Uint8Array;
  detachedBytes?: Uint8Array;
  /**
   * Commits the staged objects (syncfs, renames, directory fsyncs), fetches or checks the fallback
   * objects, checks completeness (unless disabled), then writes the detached metadata and the commit.
   */
  finish(): Promise<void>;
}

const MiB = 1024 * 1024;
const HARD_PART_LIMIT = 1024 * MiB;
const SIGNED_MAGIC_BYTES = Buffer.from('OSTSGNDT', 'ascii');

/** Parses a superblock file, unwrapping a signed superblock (`ostree static-delta generate --sign`). */
export function readSuperblockBytes(bytes: Uint8Array): { superblock: DeltaSuperblock; raw: Uint8Array; signatures?: [string, Variant][] } {
  if (bytes.length >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).equals(SIGNED_MAGIC_BYTES)) {
    const signed = parseSignedSuperblock(bytes);
    return { superblock: parseDeltaSuperblock(signed.superblock), raw: signed.superblock, signatures: signed.signatures };
  }
  return { superblock: parseDeltaSuperblock(bytes), raw: bytes };
}

/** Upper bound for a decompressed part payload, from what the part declares it creates. */
function partPayloadLimit(meta: DeltaPartMeta): number {
  // The payload holds each object's bytes (the declared uncompressed size) plus bsdiff patches,
  // mode/xattr tables and operations; four times the declared size is ample for real deltas.
  return Math.min(HARD_PART_LIMIT, meta.uncompressedSize * 4 + MiB);
}

/** Checks a part file against the superblock and returns its decoded payload. */
export async function openDeltaPart(bytes: Uint8Array, meta: DeltaPartMeta, index: number): Promise<DeltaPartPayload> {
  const what = `static delta part ${index}`;
  if (bytes.length !== meta.size) {
    throw new CorruptError(`${what} is ${bytes.length} bytes, the superblock says ${meta.size}`, { data: { part: index } });
  }
  const actual = sha256Hex(bytes);
  if (actual !== meta.checksum) {
    throw new ChecksumMismatchError(`Checksum mismatch in ${what}; expected=${meta.checksum} actual=${actual}`, {
      expected: meta.checksum,
      actual,
      data: { part: index },
    });
  }
  if (meta.version !== 0) throw new UnsupportedError(`${what} has unsupported version ${meta.version}`);
  const { compression, payload } = parseDeltaPartHeader(bytes);
  const limit = partPayloadLimit(meta);
  let raw: Uint8Array;
  if (compression === 'xz') raw = await xzDecompress(payload, limit, what);
  else {
    if (payload.length > limit) throw new CorruptError(`${what} is larger than its objects justify`, { data: { part: index } });
    raw = payload;
  }
  try {
    return parseDeltaPartPayload(raw);
  } catch (error) {
    throw new CorruptError(`${what}: invalid payload: ${(error as Error).message}`, { cause: error, data: { part: index } });
  }
}

interface OpenObject {
  object: DeltaObject;
  meta: ContentMeta;
  size: number;
  written: number;
  /** Set when the write thread builds the object from these pieces ({@link RECIPE_MIN_SIZE}). */
  recipe?: RecipePiece[];
}

/**
 * With a write thread, new objects from this size up that are made of `write` operations (rollsum
 * objects: ranges of their old versions and of the part) are built on the thread from those ranges
 * (`ContentWriter.writeRecipe`): their bytes are never assembled, copied or hashed in this thread.
 */
export const RECIPE_MIN_SIZE = 1024 * 1024;

/** A reusable buffer that grows (never shrinks) to what is asked of it; its contents are kept when it grows. */
class GrowBuffer {
  private buf = new Uint8Array(0);

  /** A buffer of at least `size` bytes whose first `keep` bytes are those of the previous one. */
  reserve(size: number, keep = 0): Uint8Array {
    if (this.buf.length < size) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(size, Math.min(this.buf.length * 2, 1024 * MiB)));
      bigger.set(this.buf.subarray(0, keep));
      this.buf = bigger;
    }
    return this.buf;
  }
}

/** Buffers are sized up front for objects up to this size; larger ones grow them as their bytes arrive. */
const PRESIZE_LIMIT = 256 * MiB;

const METADATA_TYPES = new Set<string>(['dirtree', 'dirmeta', 'commit', 'commitmeta', 'tombstone-commit']);

function corruptPart(index: number, why: string, cause?: unknown): CorruptError {
  return new CorruptError(`static delta part ${index}: ${why}`, { cause, data: { part: index } });
}

/** A content object the part produced that is not the one it names. */
function contentMismatch(index: number, checksum: string, actual: string): ChecksumMismatchError {
  return new ChecksumMismatchError(`static delta part ${index}: object ${checksum} has checksum ${actual}`, {
    expected: checksum,
    actual,
    data: { part: index, checksum },
  });
}

/** Validates metadata bytes of a type we can parse (dirtree names are checked here). */
function checkMetadata(type: string, bytes: Uint8Array): DirTree | undefined {
  if (type === 'dirtree') return parseDirTree(bytes);
  if (type === 'dirmeta') parseDirMeta(bytes);
  return undefined;
}

/**
 * Runs the operations of parts. Objects are assembled in one reused buffer and read sources read
 * into another (write pieces are copied out of the source at once, so replacing it is safe): no
 * fresh buffer per object, whose external memory would keep the garbage collector busy.
 */
class PartExecutor {
  private readonly sources = new Map<string, Uint8Array>();
  private readonly sourceBuf = new GrowBuffer();
  private readonly assembly = new GrowBuffer();
  private metaPayload: DeltaPartPayload | undefined;
  private readonly metas = new Map<number, ContentMeta>();
  private readonly prefixes = new WeakMap<ContentMeta, Uint8Array>();
  private readonly userMetas = new WeakMap<ContentMeta, Uint8Array>();
  written = 0;
  /** `CHECKSUM.TYPE` of every object staged by the parts. */
  readonly staged = new Set<string>();

  constructor(
    private readonly repo: Repo,
    private readonly txn: WriteTxn,
    private readonly maxObjectSize: number,
    private readonly dirTrees?: Map<string, DirTree>,
    private readonly writer?: ContentWriter,
    /** Where the write thread's temp files go (see {@link makeStagingDir}). */
    private readonly stagingDir?: string,
  ) {}

  private stagedFiles = 0;
  /** Read sources checked by `set-read-source` (bare modes): their object file and size. */
  private readonly sourceInfos = new Map<string, { path: string; size: number }>();
  /** The first failure of an object handed to the thread as a recipe (thrown by {@link PartExecutor.checkRecipes}). */
  private recipeFailure: Error | undefined;

  /** Throws the first failure of a recipe object; call after the write thread drained. */
  checkRecipes(): void {
    if (this.recipeFailure) throw this.recipeFailure;
  }

  /**
   * A bare-mode read source, checked to be a regular file, without reading it: its bytes are read
   * only when an operation needs them in memory (a recipe object's thread reads its ranges itself).
   */
  private sourceInfo(checksum: string): { path: string; size: number } {
    let info = this.sourceInfos.get(checksum);
    if (!info) {
      const obj = openContentSync(this.repo, checksum);
      if ((obj.meta.mode & S_IFMT) !== S_IFREG) throw new CorruptError(`delta read source ${checksum} is not a regular file`);
      info = { path: obj.path, size: obj.size };
      this.sourceInfos.set(checksum, info);
    }
    return info;
  }

  private async source(checksum: string): Promise<Uint8Array> {
    const cached = this.sources.get(checksum);
    if (cached) return cached;
    // Bare modes: opened synchronously (many read sources, one after the other).
    const obj = this.repo.isArchive ? await openContent(this.repo, checksum) : openContentSync(this.repo, checksum);
    if ((obj.meta.mode & S_IFMT) !== S_IFREG) throw new CorruptError(`delta read source ${checksum} is not a regular file`);
    let bytes: Uint8Array;
    this.sources.clear();
    if (obj.rawOffset === 0) {
      // Bare modes: the object file is the content; read into the reused buffer, no stream.
      try {
        bytes = readWholeSync(obj.path, this.sourceBuf);
      } catch (error) {
        throw fromSystemError(error, `reading delta read source ${checksum}`);
      }
    } else {
      const chunks: Buffer[] = [];
      for await (const c of obj.stream()) chunks.push(c as Buffer);
      const buf = Buffer.concat(chunks);
      bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    this.sources.set(checksum, bytes);
    return bytes;
  }

  /**
   * The metadata of a (mode, xattrs) pair of the part's tables — one frozen object per pair, so
   * its serialized forms (hash prefix, `user.ostreemeta`) are computed once, not once per object.
   */
  private contentMeta(payload: DeltaPartPayload, modeIndex: number, xattrIndex: number, index: number): ContentMeta {
    if (this.metaPayload !== payload) {
      this.metaPayload = payload;
      this.metas.clear();
    }
    const key = modeIndex * 0x1_0000_0000 + xattrIndex;
    const cached = this.metas.get(key);
    if (cached) return cached;
    const m = payload.modes[modeIndex]!;
    const fmt = m.mode & S_IFMT;
    if ((fmt !== S_IFREG && fmt !== S_IFLNK) || (m.mode & ~(S_IFMT | 0o7777)) !== 0) {
      throw corruptPart(index, `invalid content mode 0${m.mode.toString(8)}`);
    }
    const meta: ContentMeta = Object.freeze({ uid: m.uid, gid: m.gid, mode: m.mode, symlinkTarget: '', xattrs: Object.freeze([...payload.xattrs[xattrIndex]!]) as Xattr[] });
    this.metas.set(key, meta);
    return meta;
  }

  /** The content checksum's header prefix for `meta` (cached for the shared frozen metas). */
  private hasherFor(meta: ContentMeta): Hash {
    if (!Object.isFrozen(meta)) return createContentHasher({ ...meta, rdev: 0 });
    return createHash('sha256').update(this.headerPrefix(meta));
  }

  /** The framed header a content checksum starts with (cached for the shared frozen metas). */
  private headerPrefix(meta: ContentMeta): Uint8Array {
    if (!Object.isFrozen(meta)) return fileHeaderStreamPrefix({ ...meta, rdev: 0 });
    let prefix = this.prefixes.get(meta);
    if (!prefix) {
      prefix = fileHeaderStreamPrefix({ ...meta, rdev: 0 });
      this.prefixes.set(meta, prefix);
    }
    return prefix;
  }

  /**
   * Re-hashes an object built by the part and stores it. Synchronous I/O on purpose: a delta
   * writes many objects one after the other, and a thread-pool round trip per open/write/
   * xattr/close/rename step cost more than the writes themselves (ostree writes them directly too).
   */
  private finishContent(object: DeltaObject, meta: ContentMeta, content: Uint8Array | Uint8Array[], index: number): void {
    const chunks = content instanceof Uint8Array ? [content] : content;
    const hasher = this.hasherFor(meta);
    for (const c of chunks) hasher.update(c);
    const actual = hasher.digest('hex');
    if (actual !== object.checksum) throw contentMismatch(index, object.checksum, actual);
    this.assertStorable(object, meta, index);
    const isLink = (meta.mode & S_IFMT) === S_IFLNK;
    if (this.writer && (!isLink || this.repo.mode === 'bare-user')) {
      // What storeVerifiedContentSync does for these modes, with the file calls on the write thread:
      // the object is verified (above), checked absent and staged here.
      if (hasObjectSync(this.repo, 'file', object.checksum, this.txn)) return;
      const tmp = this.stagingDir ? join(this.stagingDir, (this.stagedFiles++).toString(36)) : repoTmpPath(this.repo);
      this.txn.stage(tmp, object.checksum, 'file');
      // bare-user keeps a symlink as a file holding the target and its C string NUL (like ostree).
      const data = isLink ? [Buffer.from(`${meta.symlinkTarget}\0`)] : chunks;
      const userMeta = this.repo.mode === 'bare-user' ? this.userMeta(meta) : undefined;
      this.writer.write(tmp, object.checksum, data, isLink ? 0o644 : meta.mode & 0o777, userMeta);
    } else if (!storeVerifiedContentSync(this.repo, meta, isLink ? [] : chunks, object.checksum, this.txn)) return;
    this.written++;
    this.staged.add(`${object.checksum}.file`);
  }

  /** A bare-user-only repository stores neither owners nor xattrs: such an object is refused, as ostree does. */
  private assertStorable(object: DeltaObject, meta: ContentMeta, index: number): void {
    if (this.repo.mode === 'bare-user-only' && (meta.xattrs.length > 0 || meta.uid !== 0 || meta.gid !== 0)) {
      throw new UnsupportedError(`static delta part ${index}: object ${object.checksum} has an owner or xattrs, which a bare-user-only repository cannot store`, {
        data: { part: index, checksum: object.checksum },
      });
    }
  }

  /**
   * Stages a new regular file the write thread builds, hashes and checks from `pieces` (see
   * {@link RECIPE_MIN_SIZE}); a failure is kept for {@link PartExecutor.checkRecipes}, with the error
   * the in-memory path gives for it.
   */
  private handOverRecipe(object: DeltaObject, meta: ContentMeta, size: number, pieces: RecipePiece[], index: number): void {
    this.assertStorable(object, meta, index);
    const tmp = this.stagingDir ? join(this.stagingDir, (this.stagedFiles++).toString(36)) : repoTmpPath(this.repo);
    this.txn.stage(tmp, object.checksum, 'file');
    this.writer!.writeRecipe({
      tmp,
      checksum: object.checksum,
      size,
      headerPrefix: this.headerPrefix(meta),
      pieces,
      mode: meta.mode & 0o777,
      meta: this.repo.mode === 'bare-user' ? this.userMeta(meta) : undefined,
    }).then(
      () => undefined,
      (error: unknown) => {
        if (isTsostreeError(error, ChecksumMismatchError.code)) error = contentMismatch(index, object.checksum, (error as ChecksumMismatchError).data?.actual as string);
        else if (isTsostreeError(error, CorruptError.code)) error = corruptPart(index, (error as Error).message, error);
        this.recipeFailure ??= error as Error;
      },
    );
    this.written++;
    this.staged.add(`${object.checksum}.file`);
  }

  /** The bare-user `user.ostreemeta` value of `meta` (once per shared frozen meta of a part). */
  private userMeta(meta: ContentMeta): Uint8Array {
    const frozen = Object.isFrozen(meta);
    let bytes = frozen ? this.userMetas.get(meta) : undefined;
    if (!bytes) {
      bytes = serializeFileMeta({ uid: meta.uid, gid: meta.gid, mode: meta.mode, xattrs: meta.xattrs });
      if (frozen) this.userMetas.set(meta, bytes);
    }
    return bytes;
  }

  async run(payload: DeltaPartPayload, objects: readonly DeltaObject[], index: number, signal?: AbortSignal): Promise<void> {
    let ops;
    try {
      ops = decodeDeltaOps(payload, objects);
    } catch (error) {
      throw corruptPart(index, `invalid operations: ${(error as Error).message}`, error);
    }
    // Both buffers sized up front for the part's largest object (read sources are mostly older versions
    // of the same files): growing them object by object allocated (and page-faulted) ~2× the largest size
    // in doubling steps, copying what was assembled so far each time (~25-65 ms of a 781-object part).
    let largest = 0;
    for (const op of ops) if (op.op === 'open' && op.size > largest) largest = op.size;
    largest = Math.min(largest, this.maxObjectSize, PRESIZE_LIMIT);
    this.assembly.reserve(largest);
    this.sourceBuf.reserve(largest + 1);
    const raw = payload.rawData;
    const deferred: { type: MetadataObjectType; checksum: string; bytes: Uint8Array }[] = [];
    let open: OpenObject | undefined;
    let readSource: string | undefined;
    let next = 0;
    let sinceYield = 0;
    throwIfAborted(signal);
    for (const op of ops) {
      // Object writes are synchronous: let timers, sockets and aborts in now and then (checking the signal
      // here, not per operation, keeps this loop's optimized code free of AbortSignal checks that deopted it).
      if (++sinceYield === 256) {
        sinceYield = 0;
        if (this.writer) {
          // The batch so far goes to the write thread now; objects queued there hold memory: wait when too much is.
          this.writer.flush();
          if (this.writer.busy) await this.writer.backlog();
          this.checkRecipes();
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
        throwIfAborted(signal);
      }
      switch (op.op) {
        case 'open-splice-and-close': {
          if (open) throw corruptPart(index, 'open-splice-and-close while an object is open');
          const object = objects[op.object]!;
          const bytes = raw.subarray(op.offset, op.offset + op.length);
          if ('mode' in op) {
            const meta = this.contentMeta(payload, op.mode, op.xattrs, index);
            if ((meta.mode & S_IFMT) === S_IFLNK) {
              if (bytes.length === 0 || bytes.length > MAX_SYMLINK_TARGET || bytes.includes(0)) throw corruptPart(index, 'invalid symlink target');
              this.finishContent(object, { ...meta, symlinkTarget: Buffer.from(bytes).toString('utf8') }, new Uint8Array(0), index);
            } else this.finishContent(object, meta, bytes, index);
          } else {
            if (!METADATA_TYPES.has(object.type)) throw corruptPart(index, `cannot create ${object.type} objects`);
            const actual = sha256Hex(bytes);
            if (actual !== object.checksum) {
              throw new ChecksumMismatchError(`static delta part ${index}: ${object.type} ${object.checksum} has checksum ${actual}`, {
                expected: object.checksum,
                actual,
                data: { part: index, checksum: object.checksum },
              });
            }
            try {
              const tree = checkMetadata(object.type, bytes);
              if (tree && this.dirTrees) this.dirTrees.set(object.checksum, tree);
            } catch (error) {
              throw corruptPart(index, `invalid ${object.type} ${object.checksum}: ${(error as Error).message}`, error);
            }
            // Verified and parsed above. With a write thread, stored at the end of the part: the thread gets the
            // content files at once and creates them (in its staging directory) while this thread creates these.
            if (this.writer) deferred.push({ type: object.type as MetadataObjectType, checksum: object.checksum, bytes });
            else this.storeMetadata(object.type as MetadataObjectType, object.checksum, bytes);
          }
          readSource = undefined;
          next = op.object + 1;
          break;
        }
        case 'open': {
          if (open) throw corruptPart(index, 'open while an object is open');
          const object = objects[op.object]!;
          if (object.type !== 'file') throw corruptPart(index, `open on a ${object.type} object`);
          const meta = this.contentMeta(payload, op.mode, op.xattrs, index);
          if ((meta.mode & S_IFMT) !== S_IFREG) throw corruptPart(index, 'open on a non-regular file');
          if (op.size > this.maxObjectSize) throw corruptPart(index, `object size ${op.size} exceeds the limit of ${this.maxObjectSize} bytes`);
          open = { object, meta, size: op.size, written: 0 };
          if (this.writer && op.size >= RECIPE_MIN_SIZE && !hasObjectSync(this.repo, 'file', object.checksum, this.txn)) open.recipe = [];
          break;
        }
        case 'write': {
          if (!open) throw corruptPart(index, 'write without an open object');
          if (open.written + op.length > open.size) throw corruptPart(index, `write past the declared size of ${open.object.checksum}`);
          if (open.recipe) {
            if (readSource !== undefined) {
              const src = this.sourceInfo(readSource);
              if (op.offset + op.length > src.size) throw corruptPart(index, `write range ${op.offset}/${op.length} outside read source ${readSource}`);
              open.recipe.push({ file: src.path, offset: op.offset, length: op.length });
            } else open.recipe.push({ bytes: raw.subarray(op.offset, op.offset + op.length) });
            open.written += op.length;
            break;
          }
          let piece: Uint8Array;
          if (readSource !== undefined) {
            // The current read source is cached: no promise and no await per write (rollsum deltas copy in thousands of pieces).
            const src = this.sources.get(readSource) ?? (await this.source(readSource));
            if (op.offset + op.length > src.length) throw corruptPart(index, `write range ${op.offset}/${op.length} outside read source ${readSource}`);
            piece = src.subarray(op.offset, op.offset + op.length);
          } else piece = raw.subarray(op.offset, op.offset + op.length);
          // Copied into the object at once (the source buffer is reused for the next source).
          this.assembly.reserve(open.written + op.length, open.written).set(piece, open.written);
          open.written += op.length;
          break;
        }
        case 'set-read-source': {
          const b = raw.subarray(op.offset, op.offset + 32);
          readSource = Buffer.from(b).toString('hex');
          try {
            // Bare modes: checked now, read when an operation needs the bytes; archive: read now.
            if (this.writer) this.sourceInfo(readSource);
            else await this.source(readSource);
          } catch (error) {
            if (isTsostreeError(error, NotFoundError.code)) {
              throw new NotFoundError(`static delta part ${index}: read source ${readSource} is not in the repository`, { cause: error, data: { part: index, checksum: readSource } });
            }
            throw error;
          }
          break;
        }
        case 'unset-read-source':
          readSource = undefined;
          break;
        case 'bspatch': {
          if (!open) throw corruptPart(index, 'bspatch without an open object');
          if (readSource === undefined) throw corruptPart(index, 'bspatch without a read source');
          if (open.written !== 0) throw corruptPart(index, 'bspatch after writes');
          open.recipe = undefined;
          const src = await this.source(readSource);
          bspatch(src, raw.subarray(op.offset, op.offset + op.length), open.size, this.assembly.reserve(open.size));
          open.written = open.size;
          break;
        }
        case 'close': {
          if (!open) throw corruptPart(index, 'close without an open object');
          if (open.written !== open.size) throw corruptPart(index, `object ${open.object.checksum} closed after ${open.written} of ${open.size} bytes`);
          if (open.recipe) this.handOverRecipe(open.object, open.meta, open.size, open.recipe, index);
          else this.finishContent(open.object, open.meta, this.assembly.reserve(0).subarray(0, open.size), index);
          open = undefined;
          readSource = undefined;
          next = op.object + 1;
          break;
        }
      }
    }
    this.writer?.flush();
    if (open) throw corruptPart(index, `object ${open.object.checksum} left open`);
    if (next !== objects.length) throw corruptPart(index, `created ${next} of its ${objects.length} objects`);
    for (const m of deferred) this.storeMetadata(m.type, m.checksum, m.bytes);
  }

  /** Stores a verified metadata object of the part (staged in the transaction). */
  private storeMetadata(type: MetadataObjectType, checksum: string, bytes: Uint8Array): void {
    if (hasObjectSync(this.repo, type, checksum, this.txn)) return;
    writeMetadataObjectSync(this.repo, type, bytes, { checksum, txn: this.txn });
    this.written++;
    this.staged.add(`${checksum}.${type}`);
  }
}

/** Whether to write content files on a second thread (see {@link DeltaApplyOptions.writeThread}). */
function wantWriteThread(repo: Repo, sb: DeltaSuperblock, needed: readonly boolean[], option: boolean | undefined): boolean {
  if (option === false || !needed.some(Boolean)) return false;
  // The thread sets user.ostreemeta itself, through the default xattr port's library.
  if (repo.mode !== 'bare-user-only' && (repo.mode !== 'bare-user' || repo.xattrs !== nodeXattrs)) return false;
  if (option === true) return true;
  if (availableParallelism() < 2) return false;
  let files = 0;
  for (let i = 0; i < sb.parts.length; i++) if (needed[i]) for (const o of sb.parts[i]!.objects) if (o.type === 'file') files++;
  return files >= WRITE_THREAD_MIN_FILES;
}

/** Reads a whole file into `into` (grown as needed); returns the bytes read. */
function readWholeSync(path: string, into: GrowBuffer): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    let buf = into.reserve(fstatSync(fd).size + 1);
    let got = 0;
    for (;;) {
      if (got === buf.length) buf = into.reserve(buf.length * 2, got);
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function haveAll(repo: Repo, objects: readonly DeltaObject[], txn: WriteTxn): boolean {
  for (const o of objects) {
    if (o.type === 'file' || METADATA_TYPES.has(o.type)) {
      if (!hasObjectSync(repo, o.type as 'file', o.checksum, txn)) return false;
    } else return false;
  }
  return true;
}

/**
 * Applies a static delta: the `from` commit (if any) must be present; fallback objects must be
 * present or fetched through `fetchFallback`. Nothing but objects is written (no ref moves).
 */
export async function applyStaticDelta(repo: Repo, source: DeltaSource, options: DeltaApplyOptions = {}): Promise<DeltaApplyResult> {
  const staged = await stageStaticDelta(repo, source, options);
  await staged.finish();
  return { from: staged.from, to: staged.to, objectsWritten: staged.objectsWritten, partsApplied: staged.partsApplied, partsSkipped: staged.partsSkipped };
}

/**
 * The first half of {@link applyStaticDelta}: checks the superblock and applies every part, with
 * the objects staged in a write transaction, not yet in `objects/`. A pull walks the new commit
 * (taking the staged objects as present) while `finish()` commits them. The caller must call
 * `finish()`; on an error here nothing is left staged.
 */
export async function stageStaticDelta(repo: Repo, source: DeltaSource, options: DeltaApplyOptions = {}): Promise<StagedDelta> {
  const { superblock: sb } = readSuperblockBytes(source.superblock);
  const { signal, onProgress } = options;
  if (sb.from !== null && !(await hasObject(repo, 'commit', sb.from))) {
    throw new NotFoundError(`Commit ${sb.from}, which is the delta source, is not in repository`, { data: { checksum: sb.from } });
  }
  const commitBytes = serializeCommit(sb.commit);
  if (sha256Hex(commitBytes) !== sb.to) {
    throw new ChecksumMismatchError(`static delta superblock: the embedded commit does not hash to ${sb.to}`, { expected: sb.to, actual: sha256Hex(commitBytes) });
  }
  const dir = staticDeltaDir(sb.from, sb.to);
  const detachedKey = `${dir}/commitmeta`;
  const detached = vardictGet(sb.metadata, detachedKey, 'a{sv}') as [string, Variant][] | undefined;

  for (const f of sb.fallbacks) {
    throwIfAborted(signal);
    const present = await hasObject(repo, f.type as 'file', f.checksum);
    onProgress?.({ type: 'fallback', checksum: f.checksum, present });
    if (present) continue;
    if (!options.fetchFallback) {
      throw new UnsupportedError(`Cannot execute delta offline: contains nonempty http fallback entries (${f.type} ${f.checksum} is not in the repository)`, {
        data: { checksum: f.checksum, type: f.type },
      });
    }
  }

  const txn = new WriteTxn(repo);
  let partsApplied = 0;
  let partsSkipped = 0;
  // Which parts to apply is known up front; the next part is fetched, checked and decompressed
  // (liblzma works on its own thread) while this one is applied.
  const needed = sb.parts.map((meta) => !haveAll(repo, meta.objects, txn));
  const fetchPart = (i: number): Promise<DeltaPartPayload> | undefined => {
    if (i >= sb.parts.length || !needed[i]) return undefined;
    const meta = sb.parts[i]!;
    const inline = deltaInlinePart(sb, `${dir}/${i}`);
    const p = (inline ? Promise.resolve(inline) : source.readPart(i, meta)).then((bytes) => openDeltaPart(bytes, meta, i));
    p.catch(() => undefined); // awaited (or abandoned on an earlier error) below
    return p;
  };
  const prefetched = new Map<number, Promise<DeltaPartPayload> | undefined>();
  const prefetchAfter = (i: number): void => {
    let j = i + 1;
    while (j < sb.parts.length && !needed[j]) j++;
    if (j < sb.parts.length && !prefetched.has(j)) prefetched.set(j, fetchPart(j));
  };
  prefetchAfter(-1);
  // The addons the apply will need (xz decoding, then the commit's syncfs) load while the first part is on its way,
  // not on the critical path once it arrives; once the request is out.
  setImmediate(() => {
    nativeXz();
    nativeSyncfs();
  });
  // The write thread boots while the first part is fetched and decompressed.
  const writer = wantWriteThread(repo, sb, needed, options.writeThread) ? ContentWriter.start(repo.mode === 'bare-user') : undefined;
  let stagingDir: string | undefined;
  try {
    stagingDir = writer ? makeStagingDir(repo, 'delta') : undefined;
  } catch (error) {
    await writer?.close();
    throw fromSystemError(error, 'creating a staging directory');
  }
  const dropStagingDir = async (): Promise<void> => {
    // Best effort, never masking the error being thrown: a later pull removes a left-over one.
    if (stagingDir) await rm(stagingDir, { recursive: true, force: true }).catch(() => undefined);
  };
  const exec = new PartExecutor(repo, txn, options.maxObjectSize ?? 4 * 1024 * MiB, options.dirTrees, writer, stagingDir);
  try {
    for (let i = 0; i < sb.parts.length; i++) {
      throwIfAborted(signal);
      const meta = sb.parts[i]!;
      // An earlier part may have produced this part's objects after all.
      if (!needed[i] || haveAll(repo, meta.objects, txn)) {
        prefetched.delete(i);
        prefetchAfter(i);
        partsSkipped++;
        onProgress?.({ type: 'part', index: i, parts: sb.parts.length, objects: meta.objects.length, skipped: true });
        continue;
      }
      const payload = await (prefetched.get(i) ?? fetchPart(i)!);
      prefetched.delete(i);
      prefetchAfter(i);
      await exec.run(payload, meta.objects, i, signal);
      partsApplied++;
      onProgress?.({ type: 'part', index: i, parts: sb.parts.length, objects: meta.objects.length, skipped: false });
    }
  } catch (error) {
    // The thread stops first: it must not create files after the staged ones are removed.
    await writer?.close();
    await txn.abort();
    await dropStagingDir();
    throw error;
  }
  const detachedBytes = detached ? serializeVarDict(detached) : undefined;
  const finish = async (): Promise<void> => {
    if (writer) {
      // Every handed-over file written (or the first failure thrown) before the commit's syncfs and renames.
      try {
        await writer.drain();
        exec.checkRecipes();
      } catch (error) {
        await writer.close();
        await txn.abort();
        await dropStagingDir();
        throw error;
      }
      try {
        await Promise.all([writer.close(), txn.commit()]);
      } finally {
        // Empty after the renames (or the abort of a failed commit).
        await dropStagingDir();
      }
    } else await txn.commit();
    for (const f of sb.fallbacks) {
      if (await hasObject(repo, f.type as 'file', f.checksum)) continue;
      throwIfAborted(signal);
      await options.fetchFallback!({ type: f.type, checksum: f.checksum });
    }
    if (options.verifyComplete !== false) await assertTreeComplete(repo, sb.commit.rootTree, sb.commit.rootMeta, sb.to);
    if (detachedBytes) await writeCommitMeta(repo, sb.to, detachedBytes);
    await writeMetadataObject(repo, 'commit', commitBytes, { checksum: sb.to });
    onProgress?.({ type: 'done', objectsWritten: exec.written });
  };
  return {
    from: sb.from,
    to: sb.to,
    objectsWritten: exec.written,
    partsApplied,
    partsSkipped,
    staged: exec.staged,
    commitBytes,
    ...(detachedBytes ? { detachedBytes } : {}),
    finish,
  };
}

async function assertTreeComplete(repo: Repo, rootTree: string, rootMeta: string, to: string): Promise<void> {
  const keys = new Set<string>();
  try {
    await traverseDirTree(repo, rootTree, rootMeta, keys);
  } catch (error) {
    if (isTsostreeError(error, NotFoundError.code)) {
      throw new CorruptError(`static delta to ${to} is incomplete: ${(error as Error).message}`, { cause: error, data: { checksum: to } });
    }
    throw error;
  }
  for (const key of keys) {
    const checksum = key.slice(0, 64);
    const type = key.slice(65) as 'file' | 'dirmeta' | 'dirtree';
    if (!hasObjectSync(repo, type, checksum)) {
      throw new CorruptError(`static delta to ${to} is incomplete: ${type} ${checksum} is missing`, { data: { checksum: to, missing: checksum } });
    }
  }
}
