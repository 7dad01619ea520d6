import { loadCommit, traverseDirTree, type Repo } from '@tsostree/objstore';

/**
 * Walks the trees of the commits a new deployment list keeps, for the prune that ends the write
 * (`pruneRepo`'s `reachable`). Started while the boot configuration is being written, it fills the
 * waits of that step (syncfs, child processes) instead of running after it. Objects are immutable
 * and named by their checksum, so the result cannot go stale; it is only used when the walk was
 * complete (no missing or unreadable object, no error): otherwise undefined, and the prune walks
 * everything itself.
 */
export async function markDeployedTrees(repo: Repo, commits: readonly string[]): Promise<Set<string> | undefined> {
  const seen = new Set<string>();
  let complete = true;
  try {
    for (const checksum of new Set(commits)) {
      const commit = await loadCommit(repo, checksum);
      await traverseDirTree(repo, commit.rootTree, commit.rootMeta, seen, { onError: () => (complete = false) });
      if (!complete) return undefined;
    }
  } catch {
    return undefined;
  }
  return seen;
}
