import { ParseError } from '@tsostree/errors';
import type { Pool } from './pool.js';
import { Solver } from './solver.js';

export interface TestcaseRun {
  /** The result libsolv computed, in testcase result syntax (`install a-1-1.noarch@repo` lines…). */
  result: string;
  /** The result the testcase expects (empty if it has none). */
  expected: string;
  /** libsolv's diff between the two (empty when they agree). */
  diff: string;
}

/**
 * Reads a libsolv testcase (its repos, system, jobs and expected result; repos must be inline) into `pool`,
 * solves it and compares with the expected result, like libsolv's `testsolv` does.
 */
export function runTestcase(pool: Pool, text: string | Uint8Array): TestcaseRun {
  const lib = pool.lib;
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const out = lib.call('malloc', 8);
  try {
    lib.raw.HEAP32.fill(0, out >>> 2, (out >>> 2) + 2);
    return lib.withQueue((jobq) => {
      const solvPtr = lib.withBytes(bytes, (ptr, len) => lib.call('tsl_testcase_read', pool.ptr, ptr, len, jobq, out, out + 4));
      const resultPtr = lib.raw.HEAP32[out >>> 2] as number;
      const expected = lib.string(resultPtr);
      lib.call('solv_free', resultPtr);
      if (!solvPtr) throw new ParseError(`testcase: ${pool.lastError() || 'cannot read'}`);
      const solver = new Solver(pool, solvPtr);
      pool.adopt(solver);
      try {
        const resultFlags = lib.raw.HEAP32[(out >>> 2) + 1] as number;
        lib.call('solver_solve', solvPtr, jobq);
        const computedPtr = lib.call('testcase_solverresult', solvPtr, resultFlags);
        const result = lib.string(computedPtr);
        lib.call('solv_free', computedPtr);
        const diffPtr = lib.withString(expected, (e) => lib.withString(result, (r) => lib.call('testcase_resultdiff', e, r)));
        const diff = lib.string(diffPtr);
        lib.call('solv_free', diffPtr);
        return { result, expected, diff };
      } finally {
        solver.dispose();
      }
    });
  } finally {
    lib.free(out);
  }
}
