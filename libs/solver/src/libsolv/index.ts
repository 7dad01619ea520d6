// `@tsostree/solver/libsolv`: the libsolv WebAssembly backend and the binding it is built on.
export { LibsolvModule, createLibsolvModule, loadLibsolv } from './libsolv-module.js';
export { Pool, Repo, SPEC_SELECTION_FLAGS } from './pool.js';
export type { DepKind, Disposable, PackageSpec, PoolOptions, SolvableInfo } from './pool.js';
export { Solver, Transaction } from './solver.js';
export type { Problem, ProblemRule, ProblemSolution, StepType, TransactionStep } from './solver.js';
export * as libsolvConstants from './constants.js';
export { LibsolvBackend, libsolvBackend, decompressMetadata } from './libsolv-backend.js';

export { runTestcase } from './testcase.js';
export type { TestcaseRun } from './testcase.js';
