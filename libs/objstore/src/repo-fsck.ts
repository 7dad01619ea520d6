import { access, writeFile } from 'node:fs/promises';
import {
  ChecksumMismatchError,
  CorruptError,
  NotFoundError,
  isTsostreeError,
  throwIfAborted,
} from '@tsostree/errors';
import { parseCommit } from './format/commit.js';
import { parseDirMeta } from './format/dirmeta.js';
import { parseDirTree } from './format/dirtree.js';
import type { ObjectType } from './format/object-path.js';
import { verifyContent } from './repo-content.js';
import { withRepoLock } from './repo-lock.js';
import { deleteCommitObject, deleteObject, hasObject, listObjects, readMetadataObject } from './repo-objects.js';
import { listRefs, listMirrorRefs } from './repo-refs.js';
import { objectKey, parseObjectKey, traverseCommit, type ObjectSet } from './repo-traverse.js';
import type { Repo } from './repo.js';

/** How an object failed verification; each maps to a distinct error code. */
export type FsckProblemKind = 'missing' | 'checksum-mismatch' | 'corrupt';

export interface FsckProblem {
  checksum: string;
  type: ObjectType;
  kind: FsckProblemKind;
  /** The typed error code: NotFound, ChecksumMismatch or Corrupt. */
  code: string;
  message: string;
  /** Commits whose trees reach the object. */
  commits: string[];
}

export interface FsckResult {
  commits: number;
  objects: number;
  problems: FsckProblem[];
  /** Commits marked partial (`state/<c>.commitpartial`) with `delete`. */
  partialCommits: string[];
  /** Commits skipped because they are already marked partial. */
  skippedPartial: string[];
  /** With `addTombstones`: commits whose parent is missing, deleted and replaced by a tombstone. */
  tombstoned: string[];
}

export interface FsckOptions {
  /** `--delete`: delete corrupt objects and mark affected commits partial. */
  delete?: boolean;
  /**
   * `--add-tombstones` (like ostree): every commit whose parent commit is missing is deleted and
   * a tombstone written for it, enabling `core.tombstone-commits` in the config if needed.
   */
  addTombstones?: boolean;
  /** Objects verified concurrently (default 8). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (event: { done: number; total: number }) => void;
}

function classify(error: unknown): { kind: FsckProblemKind; code: string } {
  if (isTsostreeError(error, NotFoundError.code)) return { kind: 'missing', code: NotFoundError.code };
  if (isTsostreeError(error, ChecksumMismatchError.code)) return { kind: 'checksum-mismatch', code: ChecksumMismatchError.code };
  return { kind: 'corrupt', code: CorruptError.code };
}

async function verifyObject(repo: Repo, checksum: string, type: ObjectType): Promise<void> {
  if (type === 'file') return verifyContent(repo, checksum);
  if (type === 'commitmeta') {
    // Detached metadata is optional and not content-addressed.
    return;
  }
  const bytes = await readMetadataObject(repo, type as 'commit' | 'dirtree' | 'dirmeta', checksum);
  try {
    if (type === 'commit') parseCommit(bytes);
    else if (type === 'dirtree') parseDirTree(bytes);
    else if (type === 'dirmeta') parseDirMeta(bytes);
  } catch (error) {
    throw new CorruptError(`Corrupted ${type} object ${checksum}: ${(error as Error).message}`, { cause: error, data: { checksum, type } });
  }
}

/**
 * Verifies every commit in the repository and every object they reach (re-hashing content),
 * like `ostree fsck`, but reports every problem instead of stopping at the first.
 */
export async function fsckRepo(repo: Repo, options: FsckOptions = {}): Promise<FsckResult> {
  return withRepoLock(repo.path, options.delete || options.addTombstones ? 'exclusive' : 'shared', () => fsckLocked(repo, options));
}

async function fsckLocked(repo: Repo, options: FsckOptions): Promise<FsckResult> {
  const problems = new Map<string, FsckProblem>();
  const report = (checksum: string, type: ObjectType, error: unknown, commit: string): void => {
    const key = objectKey(checksum, type);
    const existing = problems.get(key);
    if (existing) {
      if (!existing.commits.includes(commit)) existing.commits.push(commit);
      return;
    }
    const { kind, code } = classify(error);
    problems.set(key, { checksum, type, kind, code, message: (error as Error).message, commits: [commit] });
  };
  // Refs must point at commits (validated on read).
  const refs = await listRefs(repo);
  await listMirrorRefs(repo);
  const commits = new Set<string>();
  for await (const o of listObjects(repo, (t) => t === 'commit')) commits.add(o.checksum);
  for (const c of refs.values()) commits.add(c);
  const skippedPartial: string[] = [];
  const reach = new Map<string, string[]>();
  const sorted = [...commits].sort();
  for (const commit of sorted) {
    throwIfAborted(options.signal);
    if (await isPartial(repo, commit)) {
      skippedPartial.push(commit);
      continue;
    }
    const set: ObjectSet = new Set();
    await traverseCommit(repo, commit, set, { onError: (c, t, e) => report(c, t, e, commit) });
    for (const key of set) {
      const list = reach.get(key);
      if (list) list.push(commit);
      else reach.set(key, [commit]);
    }
  }
  const keys = [...reach.keys()].filter((k) => !k.endsWith('.commitmeta'));
  let done = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      throwIfAborted(options.signal);
      const key = keys[next++]!;
      const { checksum, type } = parseObjectKey(key);
      if (!problems.has(key)) {
        try {
          await verifyObject(repo, checksum, type);
        } catch (error) {
          for (const c of reach.get(key)!) report(checksum, type, error, c);
        }
      }
      done++;
      if (done % 1000 === 0) options.onProgress?.({ done, total: keys.length });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  options.onProgress?.({ done, total: keys.length });
  const list = [...problems.values()].sort((a, b) => (a.checksum < b.checksum ? -1 : a.checksum > b.checksum ? 1 : 0));
  const partialCommits: string[] = [];
  if (options.delete) {
    const affected = new Set<string>();
    for (const p of list) {
      if (p.kind !== 'missing') await deleteObject(repo, p.type, p.checksum);
      for (const c of p.commits) affected.add(c);
    }
    for (const c of [...affected].sort()) {
      await writeFile(repo.resolve('state', `${c}.commitpartial`), '');
      partialCommits.push(c);
    }
  }
  const tombstoned: string[] = [];
  if (options.addTombstones) {
    const skipped = new Set(skippedPartial);
    for (const commit of sorted) {
      if (skipped.has(commit)) continue;
      let parent: string | null;
      try {
        parent = parseCommit(await readMetadataObject(repo, 'commit', commit)).parent;
      } catch {
        continue; // already reported as a problem
      }
      if (parent !== null && !(await hasObject(repo, 'commit', parent))) tombstoned.push(commit);
    }
    if (tombstoned.length > 0 && repo.config.getBoolean('core', 'tombstone-commits') !== true) {
      repo.config.setBoolean('core', 'tombstone-commits', true);
      await repo.writeConfig();
    }
    for (const commit of tombstoned) await deleteCommitObject(repo, commit);
  }
  return { commits: sorted.length - skippedPartial.length, objects: keys.length, problems: list, partialCommits, skippedPartial, tombstoned };
}

/** True when `state/<commit>.commitpartial` exists. */
export async function isPartial(repo: Repo, commit: string): Promise<boolean> {
  try {
    await access(repo.resolve('state', `${commit}.commitpartial`));
    return true;
  } catch {
    return false;
  }
}
