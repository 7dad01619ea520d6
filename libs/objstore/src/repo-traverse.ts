import { NotFoundError, isTsostreeError } from '@tsostree/errors';
import { parseCommit, type Commit } from './format/commit.js';
import { SCAN_DIR_FIELDS, SCAN_FILE_FIELDS, scanDirTree, type DirTreeScan } from './format/dirtree.js';
import type { ObjectType } from './format/object-path.js';
import { readMetadataObject, readMetadataObjectSync } from './repo-objects.js';
import type { Repo } from './repo.js';

/** `checksum.type` keys of a set of objects. */
export type ObjectSet = Set<string>;

export const objectKey = (checksum: string, type: ObjectType): string => `${checksum}.${type}`;

export function parseObjectKey(key: string): { checksum: string; type: ObjectType } {
  return { checksum: key.slice(0, 64), type: key.slice(65) as ObjectType };
}

export interface TraverseOptions {
  /** Parents to follow: 0 = this commit only, -1 = all (default 0). */
  depth?: number;
  /** Missing objects are skipped instead of throwing (prune, fsck). */
  ignoreMissing?: boolean;
  /** Called for each metadata object that cannot be read or parsed (fsck). */
  onError?: (checksum: string, type: ObjectType, error: unknown) => void;
}

/** Trees read since the last yield to the event loop. */
let treesSinceYield = 0;

interface ScannedTree {
  bytes: Buffer;
  scan: DirTreeScan;
}

function readTree(repo: Repo, checksum: string, options: TraverseOptions): ScannedTree | undefined {
  // Dirtrees are small: a synchronous read costs a few microseconds, an async one a pool round trip
  // (a 30,000-file tree has ~1,000 of them). The scan validates exactly as parseDirTree does but
  // makes no name strings: a walk only needs the checksums.
  try {
    const u8 = readMetadataObjectSync(repo, 'dirtree', checksum);
    const scan = scanDirTree(u8);
    return { bytes: Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength), scan };
  } catch (error) {
    if (options.onError) {
      options.onError(checksum, 'dirtree', error);
      return undefined;
    }
    if (options.ignoreMissing && isTsostreeError(error, NotFoundError.code)) return undefined;
    throw error;
  }
}

/** Adds every object reachable from the dirtree `treeChecksum` to `out` (depth first, in tree order). */
export async function traverseDirTree(repo: Repo, treeChecksum: string, metaChecksum: string, out: ObjectSet, options: TraverseOptions = {}): Promise<void> {
  const stack: string[] = [metaChecksum, treeChecksum];
  while (stack.length > 0) {
    const tree = stack.pop()!;
    const meta = stack.pop()!;
    out.add(objectKey(meta, 'dirmeta'));
    const key = objectKey(tree, 'dirtree');
    if (out.has(key)) continue;
    out.add(key);
    // Yield now and then so a caller's event loop still runs.
    if (++treesSinceYield >= 256) {
      treesSinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const t = readTree(repo, tree, options);
    if (!t) continue;
    const { bytes, scan } = t;
    const f = scan.files;
    for (let i = 0; i < f.length; i += SCAN_FILE_FIELDS) out.add(`${bytes.toString('hex', f[i + 2]!, f[i + 2]! + 32)}.file`);
    const d = scan.dirs;
    for (let i = d.length - SCAN_DIR_FIELDS; i >= 0; i -= SCAN_DIR_FIELDS) {
      stack.push(bytes.toString('hex', d[i + 3]!, d[i + 3]! + 32), bytes.toString('hex', d[i + 2]!, d[i + 2]! + 32));
    }
  }
}

async function readCommit(repo: Repo, checksum: string, options: TraverseOptions): Promise<Commit | undefined> {
  try {
    return parseCommit(await readMetadataObject(repo, 'commit', checksum));
  } catch (error) {
    if (options.onError) {
      options.onError(checksum, 'commit', error);
      return undefined;
    }
    if (options.ignoreMissing && isTsostreeError(error, NotFoundError.code)) return undefined;
    throw error;
  }
}

/**
 * Adds a commit, its detached metadata key, its tree, and (up to `depth`) its parents' to `out`
 * (ostree `ostree_repo_traverse_commit`).
 */
export async function traverseCommit(repo: Repo, commitChecksum: string, out: ObjectSet, options: TraverseOptions = {}): Promise<void> {
  let checksum: string | null = commitChecksum;
  let remaining = options.depth ?? 0;
  while (checksum) {
    const key = objectKey(checksum, 'commit');
    if (out.has(key)) return;
    out.add(key);
    out.add(objectKey(checksum, 'commitmeta'));
    const commit = await readCommit(repo, checksum, options);
    if (!commit) return;
    await traverseDirTree(repo, commit.rootTree, commit.rootMeta, out, options);
    if (remaining === 0) return;
    if (remaining > 0) remaining--;
    checksum = commit.parent;
  }
}
