// `@tsostree/solver/conformance`: the suite every SolverBackend must pass. Call it from a vitest test file:
//
//   import { testSolverBackend } from '@tsostree/solver/conformance';
//   testSolverBackend(myBackend);
//
// Each case runs only if the backend declares the capability it exercises.
import { InvalidArgumentError } from '@tsostree/errors';
import { describe, expect, it } from 'vitest';
import type { PackageInput, RepoInput, SolveRequest, SolveResult, SolverBackend, SolverCapability } from './types.js';

const pkg = (nevr: string, arch: string, deps: Omit<PackageInput, 'name' | 'evr' | 'arch'> = {}): PackageInput => {
  const m = /^(.+)-([^-]+-[^-]+)$/.exec(nevr);
  if (!m) throw new InvalidArgumentError(`bad test package ${nevr}`);
  return { name: m[1] as string, evr: m[2] as string, arch, ...deps };
};
const repo = (name: string, packages: PackageInput[], priority?: number): RepoInput => ({
  name,
  ...(priority === undefined ? {} : { priority }),
  metadata: { type: 'packages', packages },
});

const SYSTEM = repo('@System', [
  pkg('glibc-2.36-1', 'x86_64'),
  pkg('bash-5.1-1', 'x86_64', { requires: ['glibc'] }),
  pkg('kernel-6.1-1', 'x86_64'),
  pkg('oldtool-1-1', 'noarch'),
]);
const FEDORA = repo('fedora', [
  pkg('glibc-2.37-1', 'x86_64'),
  pkg('glibc-2.37-1', 'i686'),
  pkg('bash-5.2-1', 'x86_64', { requires: ['glibc >= 2.37'] }),
  pkg('kernel-6.2-1', 'x86_64'),
  pkg('vim-9.0-1', 'x86_64', { requires: ['vim-common = 9.0-1', 'libc.so.6()(64bit)'], recommends: ['vim-doc'] }),
  pkg('vim-common-9.0-1', 'noarch', { requires: ['/usr/bin/sh'] }),
  pkg('vim-doc-9.0-1', 'noarch'),
  pkg('glibc-libs-2.37-1', 'x86_64', { provides: ['libc.so.6()(64bit)'] }),
  pkg('emacs-29-1', 'x86_64', { requires: ['libmissing.so.1()(64bit)'] }),
  pkg('nano-7-1', 'x86_64', { conflicts: ['bash'] }),
  pkg('newtool-2-1', 'noarch', { obsoletes: ['oldtool < 2'], provides: ['oldtool = 2-1'] }),
  pkg('editor-a-1-1', 'noarch', { provides: ['editor'] }),
  pkg('editor-b-1-1', 'noarch', { provides: ['editor'] }),
  pkg('wants-editor-1-1', 'noarch', { requires: ['editor'] }),
  pkg('rich-1-1', 'noarch', { requires: ['(vim-doc or nothing-else)'] }),
  pkg('libfoo-1-1', 'i686'),
  pkg('coreutils-9-1', 'x86_64', { files: ['/usr/bin/sh'] }),
]);
const UPDATES = repo('updates', [pkg('vim-9.1-1', 'x86_64', { requires: ['vim-common'] }), pkg('vim-doc-9.1-1', 'noarch')], 10);

const base = (jobs: SolveRequest['jobs'], policy: SolveRequest['policy'] = {}, repos = [FEDORA]): SolveRequest => ({
  installed: SYSTEM,
  repos,
  jobs,
  policy,
});

function summary(result: SolveResult): string[] {
  if (!result.ok) {
    expect(result.problems.map((p) => p.message)).toEqual([]);
    return [];
  }
  return result.steps.map((s) => `${s.action} ${s.package.nevra}${s.replaces ? ` (${s.replaces.nevra})` : ''}`).sort();
}

/** Registers the conformance tests for `backend` (vitest `describe`/`it`). */
export function testSolverBackend(backend: SolverBackend): void {
  const can = (cap: SolverCapability): boolean => backend.capabilities.has(cap);
  // Cases for capabilities the backend does not declare are not registered at all.
  const when =
    (cap: SolverCapability | SolverCapability[]) =>
    (name: string, fn: () => Promise<void>): void => {
      const caps = Array.isArray(cap) ? cap : [cap];
      if (caps.every(can)) it(name, fn);
    };

  describe(`SolverBackend conformance: ${backend.name}`, () => {
    it('declares a name and capabilities', () => {
      expect(backend.name).toMatch(/\S/);
      expect(backend.capabilities.has('install')).toBe(true);
    });

    when('install')('installs a package with its requirements (and file requirements)', async () => {
      const steps = summary(await backend.resolve(base([{ op: 'install', spec: 'vim-common' }])));
      expect(steps).toEqual(['install coreutils-9-1.x86_64', 'install vim-common-9.0-1.noarch']);
    });

    when(['install', 'weak-deps'])('installs weak dependencies unless told not to', async () => {
      const withWeak = summary(await backend.resolve(base([{ op: 'install', spec: 'vim' }])));
      expect(withWeak).toContain('install vim-doc-9.0-1.noarch');
      const without = summary(await backend.resolve(base([{ op: 'install', spec: 'vim' }], { weakDeps: false })));
      expect(without).not.toContain('install vim-doc-9.0-1.noarch');
      expect(without).toContain('install vim-9.0-1.x86_64');
    });

    when(['install', 'repo-priority'])('prefers the better-priority repo', async () => {
      const steps = summary(await backend.resolve(base([{ op: 'install', spec: 'vim' }], { weakDeps: false }, [FEDORA, UPDATES])));
      expect(steps).toContain('install vim-9.1-1.x86_64');
    });

    when('update')('updates everything, replacing old versions', async () => {
      const steps = summary(await backend.resolve(base([{ op: 'update' }])));
      expect(steps).toContain('upgrade bash-5.2-1.x86_64 (bash-5.1-1.x86_64)');
      expect(steps).toContain('upgrade glibc-2.37-1.x86_64 (glibc-2.36-1.x86_64)');
      expect(steps).toContain('obsolete newtool-2-1.noarch (oldtool-1-1.noarch)');
    });

    when(['update', 'multiversion'])('installs kernels side by side', async () => {
      const steps = summary(await backend.resolve(base([{ op: 'update', spec: 'kernel' }], { installonly: ['kernel'] })));
      expect(steps).toEqual(['install kernel-6.2-1.x86_64']);
    });

    when(['update', 'install-order'])('orders requirements before their users', async () => {
      const result = await backend.resolve(base([{ op: 'update' }]));
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      const names = result.steps.map((s) => s.package.name);
      expect(names.indexOf('glibc')).toBeLessThan(names.indexOf('bash'));
    });

    when('erase')('erases a package and, by default, what requires it', async () => {
      expect(summary(await backend.resolve(base([{ op: 'erase', spec: 'glibc' }])))).toEqual([
        'erase bash-5.1-1.x86_64',
        'erase glibc-2.36-1.x86_64',
      ]);
      const refused = await backend.resolve(base([{ op: 'erase', spec: 'glibc' }], { allowUninstall: false }));
      expect(refused.ok).toBe(false);
      const steps = summary(await backend.resolve(base([{ op: 'erase', spec: 'oldtool' }])));
      expect(steps).toEqual(['erase oldtool-1-1.noarch']);
    });

    when(['install', 'explain'])('explains a missing dependency naming the package', async () => {
      const result = await backend.resolve(base([{ op: 'install', spec: 'emacs' }]));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problems[0]?.message).toMatch(/libmissing\.so\.1/);
      expect(result.problems[0]?.message).toMatch(/emacs-29-1\.x86_64/);
      expect(result.problems[0]?.solutions.length).toBeGreaterThan(0);
    });

    when(['install', 'explain'])('explains a conflict naming both packages', async () => {
      const result = await backend.resolve(base([{ op: 'install', spec: 'nano' }]));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      const text = [result.problems[0]?.message, ...(result.problems[0]?.rules ?? [])].join('\n');
      expect(text).toMatch(/nano-7-1\.x86_64/);
      expect(text).toMatch(/bash/);
    });

    when(['install', 'allow-uninstall'])('erases a conflicting package when allowed', async () => {
      const steps = summary(await backend.resolve(base([{ op: 'install', spec: 'nano' }], { allowUninstall: true })));
      expect(steps).toContain('install nano-7-1.x86_64');
      expect(steps).toContain('erase bash-5.1-1.x86_64');
    });

    when(['install', 'lock'])('keeps locked packages as they are', async () => {
      const result = await backend.resolve(base([{ op: 'lock', spec: 'glibc' }, { op: 'install', spec: 'bash' }]));
      expect(result.ok).toBe(false);
    });

    when(['install', 'favor'])('picks a favored provider', async () => {
      const a = summary(await backend.resolve(base([{ op: 'favor', spec: 'editor-b' }, { op: 'install', spec: 'wants-editor' }])));
      expect(a).toContain('install editor-b-1-1.noarch');
      expect(a).not.toContain('install editor-a-1-1.noarch');
    });

    when(['install', 'exclude'])('never picks excluded packages', async () => {
      const result = await backend.resolve(base([{ op: 'install', spec: 'vim' }], { excludes: ['glibc-libs'] }));
      expect(result.ok).toBe(false);
    });

    when(['install', 'exclude', 'best'])('with best, falls back to the newest build that is not excluded', async () => {
      const request = base([{ op: 'install', spec: 'vim' }], { weakDeps: false, best: true, excludes: ['vim-9.1-1'] }, [FEDORA, UPDATES]);
      const steps = summary(await backend.resolve(request));
      expect(steps).toContain('install vim-9.0-1.x86_64');
      expect(steps).not.toContain('install vim-9.1-1.x86_64');
    });

    when(['install', 'rich-deps'])('understands rich dependencies', async () => {
      expect(summary(await backend.resolve(base([{ op: 'install', spec: 'rich' }])))).toEqual([
        'install rich-1-1.noarch',
        'install vim-doc-9.0-1.noarch',
      ]);
    });

    when(['install', 'multilib'])('installs 32-bit packages only with multilib', async () => {
      await expect(backend.resolve(base([{ op: 'install', spec: 'libfoo' }]))).rejects.toMatchObject({ code: 'NotFound' });
      const steps = summary(await backend.resolve(base([{ op: 'install', spec: 'libfoo' }], { multilib: true })));
      expect(steps).toEqual(['install libfoo-1-1.i686']);
    });

    when('install')('rejects a spec that matches nothing with NotFound', async () => {
      await expect(backend.resolve(base([{ op: 'install', spec: 'no-such-package' }]))).rejects.toMatchObject({ code: 'NotFound' });
    });

    when('install')('honours an aborted signal', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(
        backend.resolve(base([{ op: 'install', spec: 'vim' }]), { signal: controller.signal }),
      ).rejects.toMatchObject({ code: 'Aborted' });
    });
  });
}
