export { compatibleArches, isArchCompatible } from './arch-policy.js';
export type { ArchPolicyOptions } from './arch-policy.js';
export { DNF_INSTALLONLY_DEFAULT } from './types.js';
export { installedFromRpmdb } from './installed-rpmdb.js';
export type { InstalledFromRpmdbOptions } from './installed-rpmdb.js';
export type {
  PackageInput,
  PackageRef,
  ProblemExplanation,
  RepoInput,
  RepoMetadata,
  ResolveOptions,
  SolveRequest,
  SolveResult,
  SolverBackend,
  SolverCapability,
  SolverJob,
  SolverPolicy,
  TransactionStep,
} from './types.js';

/**
 * The default backend: libsolv compiled to WebAssembly. Loaded on first call (the module and its .wasm are only
 * read then); also importable directly from `@tsostree/solver/libsolv`.
 */
export async function defaultSolverBackend(): Promise<import('./types.js').SolverBackend> {
  const { libsolvBackend } = await import('./libsolv/libsolv-backend.js');
  return libsolvBackend;
}
