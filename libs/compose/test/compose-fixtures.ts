// Moved to src/testing/compose-fixtures.ts (published as @tsostree/compose/testing); kept for the package's own tests.
export * from '../src/testing/compose-fixtures.js';
