// The issue's "done when" on the ≥ 40-package fixture set (test/compose-fixtures.ts: rpmbuild + createrepo_c at
// test time): composeTree with real scriptlets (bubblewrap) and post-processing, checked with the real ostree,
// rpm and dnf.
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Repo, readRef } from '@tsostree/objstore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLayout, repoFile, run, type Layout } from '../test/compose-helpers.js';
import { buildComposeFixtureRepo, FIXTURE_KVER, FIXTURE_TREEFILE_PACKAGES, type ComposeFixtureRepo } from '../test/compose-fixtures.js';
import { composeTree } from './compose-tree.js';
import { readCommitPackages } from './db-read.js';
import { diffPackageLists } from './format/pkglist.js';

const treefile = (packages: string[]) => `ref: fx/\${basearch}/os
repos: [fx]
packages:
${packages.map((p) => `  - ${p}`).join('\n')}
recommends: false
automatic-version-prefix: "1"
`;

let v1: ComposeFixtureRepo;
let v2: ComposeFixtureRepo;
let layout: Layout;
let first: Awaited<ReturnType<typeof composeTree>>;
beforeAll(async () => {
  [v1, v2] = await Promise.all([buildComposeFixtureRepo({ variant: 'v1' }), buildComposeFixtureRepo({ variant: 'v2' })]);
  layout = makeLayout(treefile(FIXTURE_TREEFILE_PACKAGES), repoFile('fx', pathToFileURL(v1.repoDir).href));
  first = await composeTree(layout.treefile, { repo: layout.repo, cachedir: layout.cachedir, basearch: 'x86_64', timestamp: 1_700_000_000 });
}, 600_000);
afterAll(() => layout?.cleanup());

describe('compose of the fixture set', () => {
  it('installs the same packages as the real dnf, and real ostree fsck accepts the commit', () => {
    const work = mkdtempSync(join(tmpdir(), 'fx-dnf-'));
    try {
      const conf = join(work, 'dnf.conf');
      writeFileSync(conf, '[main]\ngpgcheck=0\nreposdir=/nonexistent\ninstall_weak_deps=False\n');
      const root = join(work, 'root');
      execFileSync(
        'dnf',
        ['-y', '-q', `--installroot=${root}`, `--config=${conf}`, `--repofrompath=fx,${pathToFileURL(v1.repoDir).href}`, '--releasever=1',
          '--setopt=tsflags=justdb', 'install', ...FIXTURE_TREEFILE_PACKAGES],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const dnf = run('rpm', ['--root', root, '-qa', '--qf', '%{NEVRA}\n']).trim().split('\n').sort();
      expect(first.packages.length).toBeGreaterThanOrEqual(40);
      expect([...first.packages].sort()).toEqual(dnf);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    expect(run('ostree', ['fsck', `--repo=${layout.repo}`])).toMatch(/no errors found/);
    expect(first).toMatchObject({ changed: true, ref: 'fx/x86_64/os', version: '1', kernelVersion: FIXTURE_KVER });
  });

  it('checks out to the rpm-ostree layout; real rpm lists exactly the resolved packages; rpm -V finds only intended changes', () => {
    const co = join(layout.dir, 'co');
    run('ostree', ['checkout', `--repo=${layout.repo}`, first.commit, co]);
    const qa = run('rpm', ['--root', co, '--dbpath', '/usr/share/rpm', '-qa', '--qf', '%{NEVRA}\n']).trim().split('\n').sort();
    expect(qa).toEqual([...first.packages].sort());
    // layout
    expect(existsSync(join(co, 'etc'))).toBe(false);
    expect(lstatSync(join(co, 'usr/etc')).isDirectory()).toBe(true);
    expect(readlinkSync(join(co, 'home'))).toBe('var/home');
    expect(lstatSync(join(co, `usr/lib/modules/${FIXTURE_KVER}/vmlinuz`)).isFile()).toBe(true);
    expect(lstatSync(join(co, `usr/lib/modules/${FIXTURE_KVER}/initramfs.img`)).isFile()).toBe(true);
    expect(readFileSync(join(co, 'usr/etc/machine-id'), 'utf8')).toBe('');
    expect(readFileSync(join(co, 'usr/lib/passwd'), 'utf8')).toMatch(/^chrony:x:994:994:/m); // made by chrony's %pre in bwrap
    expect(lstatSync(join(co, 'usr/bin/sudo')).mode & 0o7777).toBe(0o4111);
    expect(run('getcap', [join(co, 'usr/bin/ping')])).toContain('cap_net_raw=ep');
    // As a deployment sees it: /etc from usr/etc, users also from usr/lib (nss-altfiles), mtimes zeroed by ostree.
    cpSync(join(co, 'usr/etc'), join(co, 'etc'), { recursive: true, verbatimSymlinks: true });
    for (const f of ['passwd', 'group']) appendFileSync(join(co, 'etc', f), readFileSync(join(co, 'usr/lib', f)));
    let verify = '';
    try {
      verify = run('rpm', ['--root', co, '--dbpath', '/usr/share/rpm', '-Va', '--nomtime']);
    } catch (err) {
      verify = String((err as { stdout?: string }).stdout);
    }
    const unexpected = verify
      .trim()
      .split('\n')
      .filter(
        (l) =>
          l !== '' &&
          !/^missing +(c )?\/var\//.test(l) && // tmpfiles.d entries now
          !/^S\.5\.{6}  c \/etc\/(passwd|group|shadow|gshadow|nsswitch\.conf)$/.test(l) && // %pre users + altfiles split
          !/^\.M\.{7}  g /.test(l), // %ghost files created by scriptlets
      );
    expect(unexpected).toEqual([]);
  });

  it('composes v2 with one package upgraded: version increments and the package diff is exactly that upgrade', async () => {
    writeFileSync(join(layout.dir, 'config', 'test.repo'), repoFile('fx', pathToFileURL(v2.repoDir).href));
    const second = await composeTree(layout.treefile, { repo: layout.repo, cachedir: layout.cachedir, basearch: 'x86_64', timestamp: 1_700_000_100 });
    expect(second).toMatchObject({ changed: true, version: '1.1' });
    const repo = await Repo.open(layout.repo);
    const [a, b] = await Promise.all([readCommitPackages(repo, first.commit), readCommitPackages(repo, second.commit)]);
    const diff = diffPackageLists(a.packages, b.packages);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.downgraded).toEqual([]);
    expect(diff.upgraded.map(([x, y]) => `${x.name} ${x.version} -> ${y.version}`)).toEqual(['chrony 4.5 -> 4.6']);
    expect(run('ostree', ['rev-parse', `--repo=${layout.repo}`, `${second.commit}^`]).trim()).toBe(first.commit);
  }, 600_000);

  it('refuses an unprivileged compose of what it cannot lay down (other owners, an unreadable file) before installing', async () => {
    const other = makeLayout(treefile(FIXTURE_TREEFILE_PACKAGES), repoFile('fx', pathToFileURL(v1.repoDir).href));
    try {
      const attempt = composeTree(other.treefile, { repo: other.repo, cachedir: other.cachedir, basearch: 'x86_64', unprivileged: true });
      await expect(attempt).rejects.toMatchObject({ code: 'Unsupported', message: expect.stringMatching(/^Package '[^']+' has \/\S+ (owned by (?!root:root)\w+:\w+|with file capabilities \(.*\)|\((a directory with )?mode 0\d{3}\)); composing it needs root$/) });
      // root-owned, but unreadable to the caller that would own it
      writeFileSync(other.treefile, treefile(['setup']));
      const setup = composeTree(other.treefile, { repo: other.repo, cachedir: other.cachedir, basearch: 'x86_64', unprivileged: true });
      await expect(setup).rejects.toMatchObject({ code: 'Unsupported', message: "Package 'setup-2.14.5-1.fx.noarch' has /etc/gshadow (mode 0000); composing it needs root" });
      expect(await readRef(await Repo.open(other.repo), 'fx/x86_64/os')).toBeUndefined();
    } finally {
      other.cleanup();
    }
  }, 300_000);

  it('refuses Lua scriptlets before laying anything down, and fails on a failing %post, without a commit', async () => {
    const other = makeLayout(treefile(['lua-scripted']), repoFile('fx', pathToFileURL(v1.repoDir).href));
    try {
      const attempt = () => composeTree(other.treefile, { repo: other.repo, cachedir: other.cachedir, basearch: 'x86_64' });
      await expect(attempt()).rejects.toMatchObject({ code: 'Unsupported', message: expect.stringMatching(/unsupported <lua> script in '%post'/) });
      writeFileSync(other.treefile, treefile(['broken-post']));
      await expect(attempt()).rejects.toMatchObject({ message: expect.stringMatching(/broken-post/) });
      expect(await readRef(await Repo.open(other.repo), 'fx/x86_64/os')).toBeUndefined();
      expect(run('ls', [join(other.repo, 'tmp')]).trim().split('\n').filter((n) => n.startsWith('tsostree-compose'))).toEqual([]);
    } finally {
      other.cleanup();
    }
  }, 300_000);
});
