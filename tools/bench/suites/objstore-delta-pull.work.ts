// Work functions for the static-delta pull benchmark, run in a fresh process by `timeOurs`.
import { Repo, generateStaticDelta, pullRemote } from '@tsostree/objstore';

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
