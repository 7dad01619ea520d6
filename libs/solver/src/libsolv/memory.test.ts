// Explicit memory ownership: thousands of solves must leave the wasm heap where it was.
import { describe, expect, it } from 'vitest';
import type { SolveRequest } from '../types.js';
import { libsolvBackend } from './libsolv-backend.js';
import { loadLibsolv } from './libsolv-module.js';
import { Pool } from './pool.js';

const request: SolveRequest = {
  installed: {
    name: '@System',
    metadata: { type: 'packages', packages: [{ name: 'a', evr: '1-1', arch: 'noarch' }, { name: 'c', evr: '1-1', arch: 'noarch' }] },
  },
  repos: [
    {
      name: 'repo',
      metadata: {
        type: 'packages',
        packages: [
          { name: 'a', evr: '2-1', arch: 'noarch', requires: ['b >= 2'] },
          { name: 'b', evr: '2-1', arch: 'noarch', recommends: ['d'] },
          { name: 'd', evr: '1-1', arch: 'noarch', conflicts: ['c'] },
          { name: 'e', evr: '1-1', arch: 'noarch', requires: ['missing'] },
        ],
      },
    },
  ],
  jobs: [{ op: 'update' }],
};

describe('wasm memory', () => {
  it('stays flat across 2000 solves, including failing ones and abandoned objects', async () => {
    const lib = await loadLibsolv();
    const round = async (i: number) => {
      const jobs: SolveRequest['jobs'] = i % 2 ? [{ op: 'update' }] : [{ op: 'install', spec: 'e' }];
      await libsolvBackend.resolve({ ...request, jobs });
      // A pool whose solver and transaction are never disposed by hand: disposing the pool frees them.
      const pool = await Pool.create();
      pool.createRepo('r').addPackage({ name: 'x', evr: '1-1', arch: 'noarch' });
      const solver = pool.createSolver();
      solver.solve(pool.select('x').map((v, k) => (k % 2 ? v : v | 0x100)));
      solver.transaction().steps();
      pool.dispose();
    };
    for (let i = 0; i < 100; i++) await round(i);
    const heapBefore = lib.heapUsed();
    const memoryBefore = lib.memorySize();
    for (let i = 0; i < 2000; i++) await round(i);
    expect(lib.heapUsed()).toBeLessThanOrEqual(heapBefore + 1024);
    expect(lib.memorySize()).toBe(memoryBefore);
  }, 120_000);

  it('refuses to use a disposed pool with a typed error', async () => {
    const pool = await Pool.create();
    const repo = pool.createRepo('r');
    pool.dispose();
    pool.dispose();
    expect(() => pool.createRepo('again')).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => repo.addPackage({ name: 'x', evr: '1-1', arch: 'noarch' })).toThrowError(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
  });
});
