// Work functions for the pull benchmark, run in a fresh process by `timeOurs`.
import { Repo, addRemote, pullRemote, type RepoMode } from '@tsostree/objstore';
// The fetcher imports its HTTP client (undici) lazily, on the first request; under the benchmark's tsx loader that
// import (~120 ms CPU) would land inside the timed pull. Load it up front, as for our other modules (the fetcher's
// `import('undici')` then gets this same, already evaluated module instance).
import 'undici';

/** Creates a client repository with an `origin` remote (no signature checks). */
export async function initClient(path: string, mode: RepoMode, url: string): Promise<void> {
  const repo = await Repo.init(path, { mode });
  await addRemote(repo, 'origin', url, { noGpgVerify: true });
}

/** `ostree pull origin main`, our way; units = content objects fetched. */
export async function pullMain(path: string, concurrency?: number): Promise<{ units: number; bytes: number }> {
  const repo = await Repo.open(path);
  const r = await pullRemote(repo, 'origin', { refs: ['main'], ...(concurrency ? { concurrency } : {}) });
  return { units: r.contentFetched, bytes: r.bytesTransferred };
}
