import { lstat } from 'node:fs/promises';
import { ConflictError, InvalidArgumentError, throwIfAborted } from '@tsostree/errors';
import type { ObjectType } from './format/object-path.js';
import { loadCommit } from './repo-commit.js';
import { withRepoLock } from './repo-lock.js';
import { cleanupRepoTmp } from './repo-tmp-cleanup.js';
import { deleteObject, listObjects, looseObjectFans, objectPath, parseLooseObjectName, readFanSync } from './repo-objects.js';
import { listMirrorRefs, listRefs, resolveRev } from './repo-refs.js';
import { objectKey, traverseCommit, type ObjectSet } from './repo-traverse.js';
import type { Repo } from './repo.js';

export interface PruneOptions {
  /** `--refs-only`: only refs are roots (otherwise every commit object is). */
  refsOnly?: boolean;
  /** `--depth`: parents kept per ref (-1 = all, the default). */
  depth?: number;
  /** `--keep-younger-than`: delete commits (not ref heads) older than this many seconds since the epoch. */
  keepYoungerThan?: number;
  /** `--delete-commit`: delete this commit first (refused if a ref points at it). */
  deleteCommit?: string;
  /** `--no-prune`: only compute what would be deleted. */
  noPrune?: boolean;
  /**
   * Objects already known reachable (ostree's `OstreeRepoPruneOptions.reachable`), e.g. the trees of deployed
   * commits walked earlier: the mark starts from them, and the set is extended in place. It must be closed —
   * everything reachable from a dirtree in it is in it too (a complete `traverseDirTree` walk without
   * errors) — and hold only dirtree, dirmeta and file keys (commits are walked from the roots, with their depth).
   */
  reachable?: ObjectSet;
  signal?: AbortSignal;
}

export interface PruneResult {
  totalObjects: number;
  deleted: number;
  freedBytes: number;
  /** Dry run (`noPrune`). */
  dryRun: boolean;
}

/**
 * Deletes unreachable objects (mark and sweep), like `ostree prune`. Takes the repository lock
 * exclusively, so no concurrent tsostree commit can have objects in flight.
 */
export async function pruneRepo(repo: Repo, options: PruneOptions = {}): Promise<PruneResult> {
  return withRepoLock(repo.path, 'exclusive', () => pruneLocked(repo, options), options.signal ? { signal: options.signal } : {});
}

async function pruneLocked(repo: Repo, options: PruneOptions): Promise<PruneResult> {
  await cleanupRepoTmp(repo);
  const depth = options.depth ?? -1;
  if (!Number.isInteger(depth) || depth < -1) throw new InvalidArgumentError(`invalid depth ${depth}`);
  const refs = new Map([...(await listRefs(repo)), ...[...(await listMirrorRefs(repo))].map(([k, v]) => [`mirror:${k}`, v] as const)]);
  const refTargets = new Set(refs.values());
  const toDelete = new Set<string>();

  if (options.deleteCommit !== undefined) {
    const c = await resolveRev(repo, options.deleteCommit);
    if (refTargets.has(c!)) {
      const names = [...refs].filter(([, v]) => v === c).map(([k]) => k);
      throw new ConflictError(`Commit '${c}' is referenced by (${names.join(', ')})`, { data: { commit: c, refs: names } });
    }
    toDelete.add(objectKey(c!, 'commit'));
  }
  if (options.keepYoungerThan !== undefined) {
    for (const head of refTargets) {
      let cur: string | null = head;
      let first = true;
      while (cur) {
        let commit;
        try {
          commit = await loadCommit(repo, cur);
        } catch {
          break;
        }
        if (!first && commit.timestamp < options.keepYoungerThan && !refTargets.has(cur)) toDelete.add(objectKey(cur, 'commit'));
        first = false;
        cur = commit.parent;
      }
    }
  }

  // Mark.
  const reachable: ObjectSet = options.reachable ?? new Set();
  for (const k of reachable) {
    if (!k.endsWith('.dirtree') && !k.endsWith('.dirmeta') && !k.endsWith('.file')) {
      throw new InvalidArgumentError(`a known-reachable set may hold only dirtree, dirmeta and file objects, not ${k}`);
    }
  }
  const roots: { checksum: string; depth: number }[] = [];
  if (options.refsOnly) {
    for (const c of refTargets) roots.push({ checksum: c, depth });
  } else {
    for await (const o of listObjects(repo, (t) => t === 'commit')) {
      if (!toDelete.has(objectKey(o.checksum, 'commit'))) roots.push({ checksum: o.checksum, depth: 0 });
    }
    for (const c of refTargets) roots.push({ checksum: c, depth });
  }
  // One shared visited set lets every walk skip the trees an earlier walk already marked (deployed commits share
  // almost all of them). That is only sound when no walk must stop at a commit being deleted and every walk goes
  // to depth 0 or to the end of history, the full-history walks first: a walk that stops at an already-marked
  // commit then never misses a parent that a deeper walk would have reached.
  if (toDelete.size === 0 && roots.every((r) => r.depth === 0 || r.depth === -1)) {
    roots.sort((a, b) => a.depth - b.depth);
    for (const r of roots) {
      throwIfAborted(options.signal);
      await traverseCommit(repo, r.checksum, reachable, { depth: r.depth, ignoreMissing: true });
    }
  } else for (const r of roots) {
    throwIfAborted(options.signal);
    const walkSet: ObjectSet = new Set();
    // Stop the parent walk at commits being deleted.
    await traverseCommit(repo, r.checksum, walkSet, { depth: r.depth, ignoreMissing: true });
    for (const k of walkSet) if (!toDelete.has(k) || k === objectKey(r.checksum, 'commit')) reachable.add(k);
  }

  // Sweep. A directory entry `<fan>/<rest>` of a reachable object is its key `<fan><rest>` (`.filez`
  // aside): the common case, an object still in use, is one Set lookup without parsing the name.
  let total = 0;
  let deleted = 0;
  let freed = 0;
  const archive = repo.isArchive;
  let fansSinceYield = 0;
  for (const fan of await looseObjectFans(repo)) {
    throwIfAborted(options.signal);
    if (++fansSinceYield >= 32) {
      fansSinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const name of readFanSync(repo, fan)) {
      const fast = !archive ? fan + name : name.endsWith('.filez') ? fan + name.slice(0, -1) : name.endsWith('.file') ? undefined : fan + name;
      if (fast !== undefined && reachable.has(fast)) {
        total++;
        continue;
      }
      const o = parseLooseObjectName(repo, fan, name);
      if (!o) continue;
      total++;
      const key = objectKey(o.checksum, o.type);
      if (reachable.has(key)) continue;
      if (o.type === 'commitmeta' && reachable.has(objectKey(o.checksum, 'commit'))) continue;
      if (o.type === 'tombstone-commit' || o.type === 'payload-link' || o.type === 'file-xattrs' || o.type === 'file-xattrs-link') continue;
      const size = await objectSize(repo, o.checksum, o.type);
      deleted++;
      freed += size;
      if (!options.noPrune) {
        await deleteObject(repo, o.type, o.checksum);
        if (o.type === 'commit') await deleteObject(repo, 'commitmeta', o.checksum);
      }
    }
  }
  return { totalObjects: total, deleted, freedBytes: freed, dryRun: options.noPrune === true };
}

async function objectSize(repo: Repo, checksum: string, type: ObjectType): Promise<number> {
  try {
    return (await lstat(objectPath(repo, checksum, type))).size;
  } catch {
    return 0;
  }
}
