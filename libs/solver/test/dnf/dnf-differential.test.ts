// Differential test: the same requests on the same rpmbuild-made, createrepo_c-indexed repositories, resolved by
// Debian's dnf 4.14 (through its Python API, with the installed set in a real rpmdb) and by our libsolv-wasm
// backend (installed set read from that rpmdb by @tsostree/rpmdb, repos loaded from rpm-md). The packages entering and leaving the system must match;
// unsatisfiable requests must fail on both sides, and ours must name the packages involved.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { libsolvBackend } from '../../src/libsolv/libsolv-backend.js';
import { installedFromRpmdb } from '../../src/installed-rpmdb.js';
import type { RepoInput, SolveRequest, SolverJob } from '../../src/types.js';
import { fixtureRepos, type FixtureRepos, type FixtureSet } from './fixture-repos.js';

const run = promisify(execFile);
const cacheRoot = join(import.meta.dirname, '..', '..', '..', '..', '.cache');

const SET: FixtureSet = {
  installed: [
    { name: 'glibc', version: '1.0', arch: 'host' },
    { name: 'bash', version: '1.0', arch: 'host', requires: ['glibc'] },
    { name: 'coreutils', version: '1.0', arch: 'host', requires: ['glibc'] },
    { name: 'libapp', version: '1.0' },
    { name: 'app', version: '1.0', requires: ['libapp = 1.0-1'] },
    { name: 'oldtool', version: '1.0' },
    { name: 'kernel', version: '5.0', arch: 'host' },
    { name: 'nano', version: '1.0' },
    { name: 'helper', version: '1.0' },
    { name: 'leaf', version: '1.0', requires: ['helper'] },
  ],
  available: [
    { name: 'glibc', version: '1.0', arch: 'host' },
    { name: 'glibc', version: '2.0', arch: 'host' },
    { name: 'bash', version: '2.0', arch: 'host', requires: ['glibc >= 2.0'] },
    { name: 'coreutils', version: '2.0', arch: 'host', requires: ['glibc'] },
    { name: 'libapp', version: '2.0' },
    { name: 'app', version: '2.0', requires: ['libapp = 2.0-1'] },
    { name: 'newtool', version: '2.0', obsoletes: ['oldtool < 2.0'], provides: ['oldtool = 2.0-1'] },
    { name: 'kernel', version: '5.1', arch: 'host' },
    { name: 'vim', version: '9.0', requires: ['vim-common = 9.0-1'], recommends: ['vim-doc'] },
    { name: 'vim-common', version: '9.0' },
    { name: 'vim-doc', version: '9.0' },
    { name: 'emacs', version: '29.1', requires: ['libmissing.so.1'] },
    { name: 'editor-a', version: '1.0', provides: ['editor'] },
    { name: 'editor-b', version: '1.0', provides: ['editor'] },
    { name: 'wants-editor', version: '1.0', requires: ['editor'] },
    { name: 'conflicter', version: '1.0', conflicts: ['bash'] },
    { name: 'rich', version: '1.0', requires: ['(vim-doc or nano)'] },
    { name: 'frob', version: '1.0', files: ['/opt/frob/bin/frob'] },
    { name: 'tool', version: '1.0', requires: ['/opt/frob/bin/frob'] },
    { name: 'stack-top', version: '1.0', requires: ['stack-mid'] },
    { name: 'stack-mid', version: '1.0', requires: ['stack-bottom >= 1.0'] },
    { name: 'stack-bottom', version: '1.0' },
    { name: 'stack-bottom', version: '1.5' },
    { name: 'needs-new-glibc', version: '1.0', requires: ['glibc >= 2.0'] },
    { name: 'needs-old-app', version: '1.0', requires: ['app < 2.0'] },
    { name: 'nano', version: '1.0' },
    { name: 'helper', version: '1.0' },
    { name: 'leaf', version: '1.0', requires: ['helper'] },
  ],
  updates: [
    { name: 'vim', version: '9.1', requires: ['vim-common'] },
    { name: 'stack-bottom', version: '2.0' },
    { name: 'nano', version: '1.1' },
  ],
};

type Op = 'install' | 'remove' | 'upgrade' | 'upgrade-all' | 'distro-sync';
interface Case {
  op: Op;
  specs: string[];
  weak?: boolean;
  allowerasing?: boolean;
  /** Expected to be unsatisfiable (on both sides); ours must name these packages. */
  fails?: string[];
}

const CASES: Case[] = [
  { op: 'install', specs: ['vim'] },
  { op: 'install', specs: ['vim'], weak: false },
  { op: 'install', specs: ['vim-common'] },
  { op: 'install', specs: ['wants-editor'] },
  { op: 'install', specs: ['rich'] },
  { op: 'install', specs: ['tool'] },
  { op: 'install', specs: ['stack-top'] },
  { op: 'install', specs: ['needs-new-glibc'] },
  { op: 'install', specs: ['newtool'] },
  { op: 'install', specs: ['kernel'] },
  { op: 'install', specs: ['app'] },
  { op: 'install', specs: ['editor-b', 'wants-editor'] },
  { op: 'install', specs: ['stack-bottom-1.5-1.noarch'] },
  { op: 'install', specs: ['emacs'], fails: ['emacs-29.1-1.noarch'] },
  { op: 'install', specs: ['conflicter'], fails: ['conflicter-1.0-1.noarch', 'bash-1.0-1.x86_64'] },
  { op: 'install', specs: ['conflicter'], allowerasing: true },
  { op: 'install', specs: ['needs-old-app', 'app-2.0-1.noarch'], fails: ['needs-old-app-1.0-1.noarch'] },
  { op: 'remove', specs: ['nano'] },
  { op: 'remove', specs: ['glibc'] },
  { op: 'remove', specs: ['leaf'] },
  { op: 'remove', specs: ['libapp'] },
  { op: 'upgrade', specs: ['bash'] },
  { op: 'upgrade', specs: ['app'] },
  { op: 'upgrade', specs: ['glibc'] },
  { op: 'upgrade', specs: ['oldtool'] },
  { op: 'upgrade', specs: ['kernel'] },
  { op: 'upgrade', specs: ['nano'] },
  { op: 'upgrade-all', specs: [] },
  { op: 'distro-sync', specs: [] },
];

let fx: FixtureRepos;
let scratch: string;
let ours: { installed: RepoInput; repos: RepoInput[] };

function rpmmd(name: string, dir: string, priority?: number): RepoInput {
  const files = readdirSync(join(dir, 'repodata'));
  const pick = (kind: string) => readFileSync(join(dir, 'repodata', files.find((f) => f.startsWith(`${kind}.xml`)) as string));
  return { name, ...(priority === undefined ? {} : { priority }), metadata: { type: 'rpm-md', primary: pick('primary'), filelists: pick('filelists') } };
}

beforeAll(async () => {
  fx = await fixtureRepos(cacheRoot, SET);
  scratch = mkdtempSync(join(tmpdir(), 'solver-dnf-'));
  // The installed set comes from the rpmdb rpm wrote into the installroot, read by @tsostree/rpmdb.
  const dbpath = (await run('rpm', ['--root', fx.root, '--eval', '%{_dbpath}'])).stdout.trim();
  ours = {
    installed: await installedFromRpmdb(join(fx.root, dbpath)),
    repos: [rpmmd('available', fx.available), rpmmd('updates', fx.updates, 50)],
  };
}, 600_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface DnfResult {
  ok: boolean;
  install?: string[];
  remove?: string[];
  error?: string;
}

async function dnf(c: Case, index: number): Promise<DnfResult> {
  const reqFile = join(scratch, `req-${index}.json`);
  writeFileSync(
    reqFile,
    JSON.stringify({
      repos: [
        { id: 'available', baseurl: `file://${fx.available}` },
        { id: 'updates', baseurl: `file://${fx.updates}`, priority: 50 },
      ],
      op: c.op,
      specs: c.specs,
      best: true,
      weak: c.weak ?? true,
      // dnf's `remove` command always resolves with allow_erasing (dependents go too); the API does not.
      allowerasing: (c.allowerasing ?? false) || c.op === 'remove',
    }),
  );
  const { stdout } = await run('/usr/bin/python3', [join(import.meta.dirname, 'dnf-resolve.py'), fx.root, join(scratch, 'dnf-cache'), reqFile], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as DnfResult;
}

function jobs(c: Case): SolverJob[] {
  switch (c.op) {
    case 'install':
      return c.specs.map((spec) => ({ op: 'install', spec }));
    case 'remove':
      return c.specs.map((spec) => ({ op: 'erase', spec }));
    case 'upgrade':
      return c.specs.map((spec) => ({ op: 'update', spec }));
    case 'upgrade-all':
      return [{ op: 'update' }];
    case 'distro-sync':
      return [{ op: 'distupgrade' }];
  }
}

describe('same transactions as dnf 4.14 on rpmbuild-made repos', () => {
  CASES.forEach((c, index) => {
    const title = `${c.op} ${c.specs.join(' ')}${c.weak === false ? ' (no weak deps)' : ''}${c.allowerasing ? ' (allowerasing)' : ''}`;
    it(title, async () => {
      const theirs = await dnf(c, index);
      const request: SolveRequest = {
        ...ours,
        jobs: jobs(c),
        policy: { best: true, weakDeps: c.weak ?? true, ...(c.allowerasing ? { allowUninstall: true } : {}) },
      };
      const result = await libsolvBackend.resolve(request);
      if (c.fails) {
        expect(theirs.ok, theirs.error).toBe(false);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        const words = result.problems.flatMap((p) => [p.message, ...p.rules]).join('\n');
        for (const nevra of c.fails) expect(words).toContain(nevra);
        return;
      }
      expect(theirs.ok, theirs.error).toBe(true);
      expect((theirs.install?.length ?? 0) + (theirs.remove?.length ?? 0)).toBeGreaterThan(0);
      expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual([]);
      if (!result.ok) return;
      const install = result.steps.filter((s) => s.action !== 'erase').map((s) => s.package.nevra).sort();
      const remove = result.steps
        .flatMap((s) => (s.action === 'erase' ? [s.package.nevra] : s.replaces ? [s.replaces.nevra] : []))
        .sort();
      expect({ install, remove }).toEqual({ install: theirs.install, remove: theirs.remove });
    });
  });
});
