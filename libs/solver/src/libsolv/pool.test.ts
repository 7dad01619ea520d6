import { describe, expect, it } from 'vitest';
import { SOLVER_INSTALL, SOLVER_ERASE, SOLVER_UPDATE, SOLVER_SOLVABLE_ALL, SolverFlag } from './constants.js';
import { Pool } from './pool.js';

async function smallPool() {
  const pool = await Pool.create({ arch: 'x86_64' });
  const system = pool.createRepo('@System');
  system.addPackage({ name: 'glibc', evr: '2.36-1', arch: 'x86_64' });
  system.addPackage({ name: 'bash', evr: '5.1-1', arch: 'x86_64', requires: ['glibc'] });
  pool.setInstalled(system);
  const repo = pool.createRepo('fedora');
  repo.addPackage({ name: 'glibc', evr: '2.37-1', arch: 'x86_64' });
  repo.addPackage({ name: 'bash', evr: '5.2-1', arch: 'x86_64', requires: ['glibc >= 2.37'] });
  repo.addPackage({ name: 'vim', evr: '9.0-1', arch: 'x86_64', requires: ['vim-common = 9.0-1', 'libc.so.6()(64bit)'] });
  repo.addPackage({ name: 'vim-common', evr: '9.0-1', arch: 'noarch' });
  repo.addPackage({ name: 'glibc-compat', evr: '1-1', arch: 'x86_64', provides: ['libc.so.6()(64bit)'], conflicts: ['emacs'] });
  repo.addPackage({ name: 'emacs', evr: '29-1', arch: 'x86_64', requires: ['nonexistent-lib'] });
  repo.addPackage({ name: 'ppc-only', evr: '1-1', arch: 'ppc64le' });
  return pool;
}

describe('libsolv binding', () => {
  it('installs a package with its dependencies, in install order', async () => {
    const pool = await smallPool();
    try {
      const solver = pool.createSolver();
      const jobs = pool.select('vim').flatMap((v, i) => (i % 2 === 0 ? [v | SOLVER_INSTALL] : [v]));
      expect(solver.solve(jobs)).toBe(0);
      const steps = solver.transaction().steps();
      expect(steps.map((s) => `${s.type} ${s.package.nevra}`)).toEqual(
        expect.arrayContaining(['install vim-9.0-1.x86_64', 'install vim-common-9.0-1.noarch']),
      );
    } finally {
      pool.dispose();
    }
  });

  it('updates everything and reports what replaces what', async () => {
    const pool = await smallPool();
    try {
      const solver = pool.createSolver();
      expect(solver.solve([SOLVER_UPDATE | SOLVER_SOLVABLE_ALL, 0])).toBe(0);
      const steps = solver.transaction().steps();
      expect(steps.map((s) => `${s.type} ${s.package.nevra} <- ${s.replaces?.nevra}`).sort()).toEqual([
        'upgrade bash-5.2-1.x86_64 <- bash-5.1-1.x86_64',
        'upgrade glibc-2.37-1.x86_64 <- glibc-2.36-1.x86_64',
      ]);
      // glibc must be in place before bash, which requires it
      expect(steps.findIndex((s) => s.package.name === 'glibc')).toBeLessThan(steps.findIndex((s) => s.package.name === 'bash'));
    } finally {
      pool.dispose();
    }
  });

  it('explains an unsatisfiable install naming the packages', async () => {
    const pool = await smallPool();
    try {
      const solver = pool.createSolver();
      const jobs = pool.select('emacs');
      jobs[0] = (jobs[0] as number) | SOLVER_INSTALL;
      expect(solver.solve(jobs)).toBe(1);
      const [problem] = solver.problems();
      expect(problem?.text).toMatch(/nothing provides nonexistent-lib needed by emacs-29-1.x86_64/);
      expect(problem?.solutions.length).toBeGreaterThan(0);
    } finally {
      pool.dispose();
    }
  });

  it('erases with allow-uninstall of dependents', async () => {
    const pool = await smallPool();
    try {
      const solver = pool.createSolver();
      solver.setFlag(SolverFlag.ALLOW_UNINSTALL, true);
      const jobs = pool.select('glibc', 1 | (1 << 8));
      jobs[0] = (jobs[0] as number) | SOLVER_ERASE | 0x040000;
      expect(solver.solve(jobs)).toBe(0);
      expect(solver.transaction().steps().map((s) => `${s.type} ${s.package.nevra}`).sort()).toEqual([
        'erase bash-5.1-1.x86_64',
        'erase glibc-2.36-1.x86_64',
      ]);
    } finally {
      pool.dispose();
    }
  });
});
