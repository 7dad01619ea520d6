// Work functions for the static-delta pull benchmark, run in a fresh process by `timeOurs`.
import { createRequire } from 'node:module';
import { Repo, generateStaticDelta, pullRemote } from '@tsostree/objstore';
// The pull loads two of its dependencies lazily: the fetcher its HTTP client (undici) on the first request, the
// delta code liblzma's binding (lzma-native) on the first part. Under the benchmark's tsx loader those loads (~120
// and ~25 ms CPU) would land inside the timed pull. Load them up front, as for our other modules: the library's
// `import('undici')` and `require('lzma-native')` then get these same, already evaluated module instances.
import 'undici';
createRequire(import.meta.url)('lzma-native');

/** `ostree pull origin main`, our way (static deltas on unless `staticDeltas` is false); units = bytes transferred. */
export async function pullMain(path: string, staticDeltas = true): Promise<{ units: number }> {
  const r = await pullRemote(await Repo.open(path), 'origin', { refs: ['main'], staticDeltas });
  return { units: r.bytesTransferred };
}

/** `ostree static-delta generate --from=FROM --to=TO` into the repository, our way; units = delta bytes. */
export async function generate(repoPath: string, from: string | null, to: string): Promise<{ units: number }> {
  const r = await generateStaticDelta(await Repo.open(repoPath), { from, to });
  return { units: r.totalSize };
}
