import { lstatSync, readFileSync } from 'node:fs';
import { link, lstat, mkdir, open, readFile, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ChecksumMismatchError, CorruptError, NotFoundError, fromSystemError } from '@tsostree/errors';
import { sha256Hex } from './format/checksum.js';
import { assertChecksum, isChecksum, looseObjectPath, type ObjectType } from './format/object-path.js';
import type { Repo } from './repo.js';

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
 * nor visible in `objects/` until {@link WriteTxn.commit}, which fsyncs them all (in parallel,
 * after the kernel has started writeback), renames them into place and syncs the fan-out
 * directories. So an object name never points at a torn file after a crash.
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

  async commit(concurrency = 16): Promise<void> {
    const items = [...this.staged.values()];
    let next = 0;
    const sync = async (): Promise<void> => {
      while (next < items.length) {
        const it = items[next++]!;
        const st = await lstat(it.tmp);
        if (!st.isFile()) continue;
        const fh = await open(it.tmp, 'r');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
      }
    };
    try {
      if (this.repo.fsync) await Promise.all(Array.from({ length: concurrency }, sync));
      const dirs = new Set<string>();
      for (const it of items) {
        const dest = objectPath(this.repo, it.checksum, it.type);
        await withParent(dest, () => rename(it.tmp, dest));
        dirs.add(dirname(dest));
      }
      if (this.repo.fsync) {
        for (const d of dirs) {
          const fh = await open(d, 'r');
          try {
            await fh.sync();
          } finally {
            await fh.close();
          }
        }
      }
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

let tmpCounter = 0;

/** A unique temporary path in the repository's `tmp/` (same filesystem as objects). */
export function repoTmpPath(repo: Repo, tag = 'obj'): string {
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
  if (options.verify !== false && type !== 'commitmeta') {
    const actual = sha256Hex(u8);
    if (actual !== checksum) {
      throw new ChecksumMismatchError(`Corrupted ${type} object ${checksum}; actual checksum ${actual}`, {
        expected: checksum,
        actual,
        data: { checksum, type },
      });
    }
  }
  return u8;
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
  const path = objectPath(repo, checksum, type);
  const maxSize = options.maxSize ?? 64 * 1024 * 1024;
  let bytes: Buffer;
  try {
    const st = lstatSync(path);
    if (!st.isFile()) throw new CorruptError(`object ${checksum}.${type} is not a regular file`, { data: { checksum, type } });
    if (st.size > maxSize) throw new CorruptError(`object ${checksum}.${type} is too large (${st.size} bytes)`, { data: { checksum, type } });
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(`No such metadata object ${checksum}.${type}`, { cause: error, data: { checksum, type } });
    }
    if (error instanceof CorruptError) throw error;
    throw fromSystemError(error, `reading object ${checksum}.${type}`);
  }
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (options.verify !== false && type !== 'commitmeta') {
    const actual = sha256Hex(u8);
    if (actual !== checksum) {
      throw new ChecksumMismatchError(`Corrupted ${type} object ${checksum}; actual checksum ${actual}`, {
        expected: checksum,
        actual,
        data: { checksum, type },
      });
    }
  }
  return u8;
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
  try {
    await rm(objectPath(repo, checksum, type), { force: true });
  } catch (error) {
    throw fromSystemError(error, `deleting object ${checksum}.${type}`);
  }
}

/** Every loose object in the repository (unordered within a fan-out directory). */
export async function* listObjects(repo: Repo, filter?: (type: ObjectType) => boolean): AsyncGenerator<ObjectName> {
  const root = repo.resolve('objects');
  let fans: string[];
  try {
    fans = (await readdir(root)).filter((d) => /^[0-9a-f]{2}$/.test(d)).sort();
  } catch (error) {
    throw fromSystemError(error, `listing ${root}`);
  }
  for (const fan of fans) {
    let names: string[];
    try {
      names = await readdir(join(root, fan));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw fromSystemError(error, `listing ${join(root, fan)}`);
    }
    for (const name of names) {
      const dot = name.indexOf('.');
      if (dot !== 62) continue;
      const checksum = fan + name.slice(0, 62);
      const type = SUFFIX_TO_TYPE[name.slice(63)];
      if (!type || !isChecksum(checksum)) continue;
      if ((name.slice(63) === 'filez') !== (repo.isArchive && type === 'file')) continue;
      if (filter && !filter(type)) continue;
      yield { checksum, type };
    }
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
