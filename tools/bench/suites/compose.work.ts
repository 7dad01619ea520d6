// Our side of the compose benchmark, run in a fresh process by the harness.
import { composeTree } from '@tsostree/compose';

/** Composes `treefile` into the (empty) repository `repo`; units = packages installed. */
export async function compose(treefile: string, repo: string, cachedir: string): Promise<{ units: number; commit: string }> {
  const result = await composeTree(treefile, { repo, cachedir, basearch: 'x86_64', timestamp: 1_700_000_000 });
  return { units: result.packages.length, commit: result.commit };
}
