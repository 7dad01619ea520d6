import { describe, expect, it } from 'vitest';
import { Pool } from './pool.js';
import { runTestcase } from './testcase.js';

// A testcase in libsolv's format (repos inline in testtags), written for this test.
const CASE = `repo system 0 testtags <inline>
#>=Pkg: app 1 1 noarch
#>=Req: lib = 1
#>=Pkg: lib 1 1 noarch
repo available 0 testtags <inline>
#>=Pkg: app 2 1 noarch
#>=Req: lib = 2
#>=Pkg: lib 2 1 noarch
#>=Pkg: extra 1 1 noarch
#>=Req: app >= 2
system x86_64 rpm system
job install name extra
result transaction,problems <inline>
#>install extra-1-1.noarch@available
#>upgrade app-1-1.noarch@system app-2-1.noarch@available
#>upgrade lib-1-1.noarch@system lib-2-1.noarch@available
`;

describe('libsolv testcases', () => {
  it('reads, solves and checks a testcase like testsolv', async () => {
    const pool = await Pool.create();
    try {
      const run = runTestcase(pool, CASE);
      expect(run.diff).toBe('');
      expect(run.result).toContain('install extra-1-1.noarch@available');
    } finally {
      pool.dispose();
    }
  });

  it('reports a difference from the expected result', async () => {
    const pool = await Pool.create();
    try {
      const run = runTestcase(pool, CASE.replace('#>install extra-1-1.noarch@available\n', ''));
      expect(run.diff).toMatch(/extra-1-1/);
    } finally {
      pool.dispose();
    }
  });

  it('rejects a malformed testcase with a typed error', async () => {
    const pool = await Pool.create();
    try {
      expect(() => runTestcase(pool, 'repo system 0 nosuchformat <inline>\n#>garbage\njob frobnicate\n')).toThrowError(
        expect.objectContaining({ code: 'Parse' }),
      );
    } finally {
      pool.dispose();
    }
  });
});
