import { spawn } from 'node:child_process';
import { closeSync, constants as fsConstants, fdatasyncSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync } from 'node:fs';
import { link, lstat, mkdir, open, readFile, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ChecksumMismatchError, CorruptError, InvalidArgumentError, IoError, NotFoundError, fromSystemError } from '@tsostree/errors';
import { sha256Hex } from './format/checksum.js';
import { serializeTombstone } from './format/metadata.js';
import { assertChecksum, isChecksum, looseObjectPath, type ObjectType } from './format/object-path.js';
import type { Repo } from './repo.js';
import type { OwnTmpTag } from './repo-tmp-cleanup.js';
import { nativeSyncfs } from './syncfs-native.js';
import { writeAllSync } from './write-all.js';

/** Metadata object types stored as plain GVariant bytes. */
export type MetadataObjectType = 'commit' | 'dirtree' | 'dirmeta' | 'commitmeta' | 'tombstone-commit';

/** An object name: checksum + type. */
export interface ObjectName {
  checksum: string;
  type: ObjectType;
}

const SUFFIX_TO_TYPE: Record<string, ObjectType> = {
  file: 'file',
  filez: 'file',
  dirtree: 'dirtree',
  dirmeta: 'dirmeta',
  commit: 'commit',
  commitmeta: 'commitmeta',
  'tombstone-commit': 'tombstone-commit',
  'payload-link': 'payload-link',
  'file-xattrs': 'file-xattrs',
  'file-xattrs-link': 'file-xattrs-link',
};


/** Absolute path of a loose object. */
export function objectPath(repo: Repo, checksum: string, type: ObjectType): string {
  return repo.resolve(looseObjectPath(checksum, type, repo.isArchive));
}

/**
 * A write transaction (ostree's staging): objects written under it are neither fsynced one by one
 * nor visible in `objects/` until {@link WriteTxn.commit}. Commit makes them durable with one
 * `syncfs()` of the repository's filesystem (like ostree with `core.fsync`), renames them into
 * place, and makes the new directory entries durable before any ref can point at them with a
 * second `syncfs()` (ostree fsyncs every fan-out directory, `fsync_object_dirs`). So an object
 * name never points at a torn file after a crash. When `syncfs` is not available (see
 * {@link syncFilesystem}), every staged file is fsynced instead, and then the fan-out directories
 * the objects went into and `objects/`.
 */
export class WriteTxn {
  private readonly staged = new Map<string, { tmp: string; checksum: string; type: ObjectType }>();

  constructor(readonly repo: Repo) {}

  has(checksum: string, type: ObjectType): boolean {
    return this.staged.has(`${checksum}.${type}`);
  }

  stage(tmp: string, checksum: string, type: ObjectType): boolean {
    const key = `${checksum}.${type}`;
    if (this.staged.has(key)) return false;
    this.staged.set(key, { tmp, checksum, type });
    return true;
  }

  get size(): number {
    return this.staged.size;
  }

  /**
   * Makes every staged object durable and visible. `concurrency`: fsyncs in flight (directories, and
   * files on the fallback path when `syncfs` is unavailable).
   */
  async commit(concurrency = 16): Promise<void> {
    const items = [...this.staged.values()];
    const sync = this.repo.fsync && items.length > 0;
    try {
      const viaSyncfs = sync && (await syncFilesystem(this.repo.tmpDir));
      if (sync && !viaSyncfs) await fsyncFiles(items.map((it) => it.tmp), concurrency);
      const dirs = new Set<string>();
      const made = new Set<string>();
      for (const it of items) {
        const dest = objectPath(this.repo, it.checksum, it.type);
        const dir = dirname(dest);
        try {
          renameSync(it.tmp, dest);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || made.has(dir)) throw error;
          mkdirSync(dir, { recursive: true, mode: 0o755 });
          made.add(dir);
          renameSync(it.tmp, dest);
        }
        dirs.add(dir);
      }
      // The new directory entries must be on disk before any ref can point at them. ostree fsyncs every fan-out
      // directory and objects/ (fsync_object_dirs). A second syncfs does the same for every directory at once —
      // it writes back the filesystem's dirty metadata, directory blocks included, and commits its journal, with
      // one cache flush instead of one per directory (781 objects into 246 directories: 25–55 ms of fsyncs vs
      // 2–16 ms). Without syncfs: the fan-out directories an object went into and objects/ itself, several at once
      // (each fsync may wait for a journal commit and a cache flush, which concurrent ones share).
      if (viaSyncfs) await syncFilesystem(this.repo.tmpDir);
      else if (sync) await fsyncDirs([...dirs, ...new Set([...dirs].map((d) => dirname(d)))], concurrency);
    } catch (error) {
      await this.abort();
      throw fromSystemError(error, 'committing objects');
    }
    this.staged.clear();
  }

  async abort(): Promise<void> {
    for (const it of this.staged.values()) await rm(it.tmp, { force: true });
    this.staged.clear();
  }
}

async function fsyncDirs(paths: readonly string[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const fh = await open(paths[next++]!, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, paths.length)) }, worker));
}

async function fsyncFiles(paths: readonly string[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const path = paths[next++]!;
      const st = await lstat(path);
      if (!st.isFile()) continue;
      const fh = await open(path, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}

let syncfsUsable: boolean | undefined;

/**
 * `syncfs()` on the filesystem holding `path`: writes back every dirty page and inode of that
 * filesystem and commits its journal, in one call (far cheaper than one fsync per object).
 * Node has no binding for it (an fsync of a directory fd only syncs that directory): this calls it
 * through the package's addon (syncfs-native.ts) when it was built, else runs coreutils'
 * `sync --file-system PATH`, which calls syncfs(2) — both fail when it reports an error (Linux ≥ 5.8
 * returns writeback errors from syncfs). Returns false, without syncing, when neither is there (no
 * addon, and `sync` missing or too old to know `-f`); callers then fsync file by file.
 */
export async function syncFilesystem(path: string, options: { native?: boolean } = {}): Promise<boolean> {
  if (path.includes('\0')) throw new InvalidArgumentError(`invalid path ${JSON.stringify(path)}: it contains a NUL byte`, { data: { path } });
  const native = options.native === false ? undefined : nativeSyncfs();
  if (native) {
    try {
      await native(path);
    } catch (error) {
      throw fromSystemError(error, 'syncfs');
    }
    return true;
  }
  if (syncfsUsable === false) return false;
  const result = await new Promise<{ code: number | null; error?: NodeJS.ErrnoException; stderr: string }>((resolve) => {
    let stderr = '';
    const child = spawn('sync', ['-f', '--', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ code: null, error, stderr }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
  if (result.error) {
    if (result.error.code === 'ENOENT' || result.error.code === 'EACCES') {
      syncfsUsable = false;
      return false;
    }
    throw fromSystemError(result.error, `running sync -f ${path}`);
  }
  if (result.code === 0) {
    syncfsUsable = true;
    return true;
  }
  if (syncfsUsable === undefined && /invalid option|unrecognized option/.test(result.stderr)) {
    syncfsUsable = false;
    return false;
  }
  throw new IoError(`syncfs of ${path} failed: ${result.stderr.trim() || `sync exited with ${result.code}`}`, {
    data: { path },
  });
}

/** True when the loose object exists (without following a final symlink), or is staged in `txn`. */
export async function hasObject(repo: Repo, type: ObjectType, checksum: string, txn?: WriteTxn): Promise<boolean> {
  if (txn?.has(checksum, type)) return true;
  try {
    await lstat(objectPath(repo, checksum, type));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw fromSystemError(error, `checking object ${checksum}.${type}`);
  }
}

/** Synchronous twin of {@link hasObject} (one lstat, no exception on ENOENT). */
export function hasObjectSync(repo: Repo, type: ObjectType, checksum: string, txn?: WriteTxn): boolean {
  if (txn?.has(checksum, type)) return true;
  try {
    return lstatSync(objectPath(repo, checksum, type), { throwIfNoEntry: false }) !== undefined;
  } catch (error) {
    throw fromSystemError(error, `checking object ${checksum}.${type}`);
  }
}

let tmpCounter = 0;

/**
 * A unique temporary path in the repository's `tmp/` (same filesystem as objects), `<tag>-<pid>-…`: the pid lets
 * `cleanupRepoTmp` (repo-tmp-cleanup.ts) remove it as soon as this process is gone.
 */
export function repoTmpPath(repo: Repo, tag: OwnTmpTag = 'obj'): string {
  return join(repo.tmpDir, `${tag}-${process.pid}-${Date.now().toString(36)}-${(tmpCounter++).toString(36)}`);
}

/** Runs `op`, creating the parent directory of `path` and retrying once if it is missing. */
async function withParent<T>(path: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    return op();
  }
}

/**
 * Moves a fully written temp file to its object path. An existing object wins (objects are
 * immutable and content-addressed), so concurrent writers of the same object are harmless.
 */
export async function publishObject(repo: Repo, tmp: string, checksum: string, type: ObjectType, txn?: WriteTxn): Promise<void> {
  if (txn) {
    if (!txn.stage(tmp, checksum, type)) await rm(tmp, { force: true });
    return;
  }
  const dest = objectPath(repo, checksum, type);
  try {
    await withParent(dest, () => rename(tmp, dest));
  } catch (error) {
    await rm(tmp, { force: true });
    throw fromSystemError(error, `storing object ${checksum}.${type}`);
  }
}

/** Writes `bytes` to a new temp file (fsync according to the repo policy) and returns its path. */
export async function writeTempFile(repo: Repo, bytes: Uint8Array, mode = 0o644, txn?: WriteTxn): Promise<string> {
  const tmp = repoTmpPath(repo);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', mode);
    await fh.writeFile(bytes);
    if (repo.fsync && !txn) await fh.datasync();
  } catch (error) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw fromSystemError(error, `writing temporary file ${tmp}`);
  }
  await fh.close();
  return tmp;
}

/**
 * Stores a metadata object (its checksum is the SHA-256 of its bytes) unless it already exists.
 * Returns the checksum.
 */
export async function writeMetadataObject(
  repo: Repo,
  type: MetadataObjectType,
  bytes: Uint8Array,
  options: { checksum?: string; txn?: WriteTxn } = {},
): Promise<string> {
  const csum = options.checksum ?? sha256Hex(bytes);
  if (await hasObject(repo, type, csum, options.txn)) return csum;
  const tmp = await writeTempFile(repo, bytes, 0o644, options.txn);
  await publishObject(repo, tmp, csum, type, options.txn);
  return csum;
}

/** Synchronous twin of {@link writeMetadataObject} for the many small objects of a commit. */
export function writeMetadataObjectSync(
  repo: Repo,
  type: MetadataObjectType,
  bytes: Uint8Array,
  options: { checksum?: string; txn?: WriteTxn } = {},
): string {
  const csum = options.checksum ?? sha256Hex(bytes);
  if (hasObjectSync(repo, type, csum, options.txn)) return csum;
  const tmp = repoTmpPath(repo);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    writeAllSync(fd, bytes);
    if (repo.fsync && !options.txn) fdatasyncSync(fd);
    closeSync(fd);
    fd = undefined;
    publishObjectSync(repo, tmp, csum, type, options.txn);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw fromSystemError(error, `storing object ${csum}.${type}`);
  }
  return csum;
}

/** Synchronous twin of {@link publishObject}; on failure the temp file is left to the caller. */
export function publishObjectSync(repo: Repo, tmp: string, checksum: string, type: ObjectType, txn?: WriteTxn): void {
  if (txn) {
    if (!txn.stage(tmp, checksum, type)) rmSync(tmp, { force: true });
    return;
  }
  const dest = objectPath(repo, checksum, type);
  try {
    renameSync(tmp, dest);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(dest), { recursive: true, mode: 0o755 });
    renameSync(tmp, dest);
  }
}

/** Stores detached metadata (`.commitmeta`), replacing any existing one (it is not content-addressed). */
export async function writeCommitMeta(repo: Repo, commit: string, bytes: Uint8Array): Promise<void> {
  assertChecksum(commit);
  const tmp = await writeTempFile(repo, bytes);
  await publishObject(repo, tmp, commit, 'commitmeta');
}

export interface ReadObjectOptions {
  /** Re-hash and compare with the name (default true; commitmeta is never verified). */
  verify?: boolean;
  /** Refuse objects larger than this (default 64 MiB, far above ostree's metadata limits). */
  maxSize?: number;
}

/** Reads a metadata object's bytes, verifying its checksum. NotFound / ChecksumMismatch / Corrupt. */
export async function readMetadataObject(
  repo: Repo,
  type: MetadataObjectType,
  checksum: string,
  options: ReadObjectOptions = {},
): Promise<Uint8Array> {
  assertChecksum(checksum);
  const path = objectPath(repo, checksum, type);
  const maxSize = options.maxSize ?? 64 * 1024 * 1024;
  let bytes: Buffer;
  try {
    const st = await lstat(path);
    if (!st.isFile()) throw new CorruptError(`object ${checksum}.${type} is not a regular file`, { data: { checksum, type } });
    if (st.size > maxSize) throw new CorruptError(`object ${checksum}.${type} is too large (${st.size} bytes)`, { data: { checksum, type } });
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(`No such metadata object ${checksum}.${type}`, { cause: error, data: { checksum, type } });
    }
    if (error instanceof CorruptError) throw error;
    throw fromSystemError(error, `reading object ${checksum}.${type}`);
  }
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (options.verify !== false) verifyMetadataBytes(type, checksum, u8);
  return u8;
}

/** Throws ChecksumMismatch unless `bytes` hash to `checksum` (detached commitmeta has no checksum of its own). */
function verifyMetadataBytes(type: MetadataObjectType, checksum: string, bytes: Uint8Array): void {
  if (type === 'commitmeta') return;
  const actual = sha256Hex(bytes);
  if (actual !== checksum) {
    throw new ChecksumMismatchError(`Corrupted ${type} object ${checksum}; actual checksum ${actual}`, {
      expected: checksum,
      actual,
      data: { checksum, type },
    });
  }
}

/**
 * Synchronous twin of {@link readMetadataObject} for hot loops over small objects (dirtree,
 * dirmeta): one syscall burst instead of several thread-pool round trips.
 */
export function readMetadataObjectSync(
  repo: Repo,
  type: MetadataObjectType,
  checksum: string,
  options: ReadObjectOptions = {},
): Uint8Array {
  assertChecksum(checksum);
  const maxSize = options.maxSize ?? 64 * 1024 * 1024;
  const cache = repo.metadataCache && (type === 'dirtree' || type === 'dirmeta') ? repo.metadataCache : undefined;
  const hit = cache?.get(`${checksum}.${type}`);
  if (hit && hit.length <= maxSize) return hit;
  const path = objectPath(repo, checksum, type);
  let u8: Uint8Array;
  let fd: number | undefined;
  try {
    // open (never through a symlink, never blocking on a FIFO) + fstat + read + close: one
    // syscall fewer than lstat + readFile, which counts when a walk reads thousands of dirtrees.
    fd = openSync(path, READ_OBJECT_FLAGS);
    const st = fstatSync(fd);
    if (!st.isFile()) throw new CorruptError(`object ${checksum}.${type} is not a regular file`, { data: { checksum, type } });
    if (st.size > maxSize) throw new CorruptError(`object ${checksum}.${type} is too large (${st.size} bytes)`, { data: { checksum, type } });
    u8 = readToEndSync(fd, st.size);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new NotFoundError(`No such metadata object ${checksum}.${type}`, { cause: error, data: { checksum, type } });
    }
    if (code === 'ELOOP') throw new CorruptError(`object ${checksum}.${type} is not a regular file`, { cause: error, data: { checksum, type } });
    if (error instanceof CorruptError) throw error;
    throw fromSystemError(error, `reading object ${checksum}.${type}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (options.verify !== false) verifyMetadataBytes(type, checksum, u8);
  // Only verified bytes are kept (a hit is returned without hashing again).
  if (cache && options.verify !== false) cache.set(`${checksum}.${type}`, u8);
  return u8;
}

const READ_OBJECT_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/** Reads a regular file of `size` bytes (as fstat said) to its end. */
function readToEndSync(fd: number, size: number): Uint8Array {
  let buf = Buffer.allocUnsafe(size + 1);
  let got = 0;
  for (;;) {
    if (got === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, got);
      buf = bigger;
    }
    const n = readSync(fd, buf, got, buf.length - got, null);
    if (n === 0) break;
    got += n;
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, got);
}

/**
 * Runs `fn` with `repo.metadataCache` on: dirtree/dirmeta objects read synchronously are read from
 * disk once (a deploy's checkout plans the tree, and the prune that follows walks it again). The
 * cache ends with the outermost scope.
 */
export async function withMetadataCache<T>(repo: Repo, fn: () => Promise<T>): Promise<T> {
  if (repo.metadataCache) return fn();
  repo.metadataCache = new Map();
  try {
    return await fn();
  } finally {
    repo.metadataCache = undefined;
  }
}

/** Reads detached metadata, or undefined when there is none. */
export async function readCommitMeta(repo: Repo, commit: string): Promise<Uint8Array | undefined> {
  try {
    return await readMetadataObject(repo, 'commitmeta', commit, { verify: false });
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Deletes a loose object; missing is not an error. */
export async function deleteObject(repo: Repo, type: ObjectType, checksum: string): Promise<void> {
  repo.metadataCache?.delete(`${checksum}.${type}`);
  try {
    await rm(objectPath(repo, checksum, type), { force: true });
  } catch (error) {
    throw fromSystemError(error, `deleting object ${checksum}.${type}`);
  }
}

/**
 * Deletes a commit object and its detached metadata like `ostree_repo_delete_object`: when the
 * repository has `core.tombstone-commits=true`, a `.tombstone-commit` object named after the
 * commit is written first, so pulls know the commit was deleted on purpose.
 */
export async function deleteCommitObject(repo: Repo, checksum: string): Promise<void> {
  assertChecksum(checksum);
  if (repo.config.getBoolean('core', 'tombstone-commits') === true) {
    const tmp = await writeTempFile(repo, serializeTombstone(checksum));
    await publishObject(repo, tmp, checksum, 'tombstone-commit');
  }
  await deleteObject(repo, 'commitmeta', checksum);
  await deleteObject(repo, 'commit', checksum);
}

/** The fan-out directories (`objects/00` … `objects/ff`) that exist, sorted. */
export async function looseObjectFans(repo: Repo): Promise<string[]> {
  const root = repo.resolve('objects');
  try {
    return (await readdir(root)).filter((d) => /^[0-9a-f]{2}$/.test(d)).sort();
  } catch (error) {
    throw fromSystemError(error, `listing ${root}`);
  }
}

/**
 * The entry names of one fan-out directory, read synchronously (one `getdents` burst: a pool
 * round trip per directory costs more). Empty when it is not a directory.
 */
export function readFanSync(repo: Repo, fan: string): string[] {
  const dir = join(repo.resolve('objects'), fan);
  try {
    return readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw fromSystemError(error, `listing ${dir}`);
  }
}

/** The object an entry `name` of fan-out directory `fan` is, or undefined when it is none (of this repository's mode). */
export function parseLooseObjectName(repo: Repo, fan: string, name: string): ObjectName | undefined {
  const dot = name.indexOf('.');
  if (dot !== 62) return undefined;
  const checksum = fan + name.slice(0, 62);
  const suffix = name.slice(63);
  const type = SUFFIX_TO_TYPE[suffix];
  if (!type || !isChecksum(checksum)) return undefined;
  if ((suffix === 'filez') !== (repo.isArchive && type === 'file')) return undefined;
  return { checksum, type };
}

/** Every loose object in the repository (unordered within a fan-out directory). */
export async function* listObjects(repo: Repo, filter?: (type: ObjectType) => boolean): AsyncGenerator<ObjectName> {
  for (const fan of await looseObjectFans(repo)) {
    const objects: ObjectName[] = [];
    for (const name of readFanSync(repo, fan)) {
      const o = parseLooseObjectName(repo, fan, name);
      if (o && (!filter || filter(o.type))) objects.push(o);
    }
    yield* objects;
  }
}

/** Commit checksums starting with `prefix` (for partial-checksum revisions). */
export async function commitsWithPrefix(repo: Repo, prefix: string): Promise<string[]> {
  if (!/^[0-9a-f]{2,64}$/.test(prefix)) return [];
  const fan = join(repo.resolve('objects'), prefix.slice(0, 2));
  let names: string[];
  try {
    names = await readdir(fan);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.commit') && (prefix.slice(0, 2) + n).startsWith(prefix))
    .map((n) => prefix.slice(0, 2) + n.slice(0, 62));
}

/** Hardlinks an existing file in as an object (used by local imports); EEXIST is success. */
export async function linkObject(repo: Repo, source: string, checksum: string, type: ObjectType): Promise<void> {
  const dest = objectPath(repo, checksum, type);
  try {
    await withParent(dest, () => link(source, dest));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw fromSystemError(error, `linking object ${checksum}.${type}`);
  }
}
