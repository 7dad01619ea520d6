// Post-processed fixture trees (v1, then v2 with the chrony upgrade) committed with @tsostree/objstore:
// the real `ostree fsck` accepts the repository, the real `ostree checkout` gives a tree where the real `rpm`
// lists exactly the installed packages with setuid bits and file capabilities intact, check-passwd against
// the previous commit passes, and `db diff` between the two commits is exactly the upgrade.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitDirectory, Repo } from '@tsostree/objstore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComposeFixtureRepo, FIXTURE_HOSTILE_PACKAGES, FIXTURE_KVER } from '../../test/compose-fixtures.js';
import { installFixtureRoot, type InstalledFixture } from '../../test/install-fixture-root.js';
import { readCommitPasswd } from '../commit-passwd.js';
import { packageEntriesFromHeaders, pkglistVariant, readCommitPackages } from '../db-read.js';
import { diffPackageLists, formatDiffBlock } from '../format/pkglist.js';
import { postprocessRoot } from './postprocess-root.js';

const scratch = mkdtempSync(join(tmpdir(), 'pp-commit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let repo: Repo;
const commits: string[] = [];
const installed: InstalledFixture[] = [];
const TREEFILE = { units: ['chronyd.service'], 'default-target': 'multi-user.target', 'boot-location': 'modules' as const };

beforeAll(async () => {
  repo = await Repo.init(join(scratch, 'repo'), { mode: 'archive' });
  for (const variant of ['v1', 'v2'] as const) {
    const fixture = await buildComposeFixtureRepo({ variant });
    const root = join(scratch, `root-${variant}`);
    mkdirSync(root);
    const inst = await installFixtureRoot(fixture, root, FIXTURE_HOSTILE_PACKAGES);
    installed.push(inst);
    const previous = commits.length > 0 ? await readCommitPasswd(repo, commits[commits.length - 1]!) : undefined;
    const result = await postprocessRoot(root, TREEFILE, { packages: inst.packages, ...(previous ? { previous } : {}) });
    if (previous) expect(result.passwdCheck).toEqual({ newUsers: [], newGroups: [], removedUsers: [], removedGroups: [] });
    const { checksum } = await commitDirectory(repo, root, {
      branch: 'fx/os',
      subject: variant,
      timestamp: 1_700_000_000,
      metadata: [['rpmostree.rpmdb.pkglist', pkglistVariant(packageEntriesFromHeaders(inst.packages.map((p) => p.header)))]],
    });
    commits.push(checksum);
  }
}, 600_000);

describe('post-processed trees as commits', () => {
  it('pass the real ostree fsck', () => {
    const out = execFileSync('ostree', ['fsck', `--repo=${join(scratch, 'repo')}`], { encoding: 'utf8' });
    expect(out).toMatch(/Verifying content integrity of 2 commit objects/);
  });

  it('check out with the real ostree into a tree the real rpm can query', () => {
    const dest = join(scratch, 'checkout');
    execFileSync('ostree', ['checkout', `--repo=${join(scratch, 'repo')}`, commits[0]!, dest]);
    const qa = execFileSync('rpm', ['--root', dest, '--dbpath', '/usr/share/rpm', '-qa', '--qf', '%{NEVRA}\n'], { encoding: 'utf8' });
    expect(qa.trim().split('\n').sort()).toEqual(installed[0]!.packages.map((p) => p.nevra).sort());
    expect(lstatSync(join(dest, 'usr/bin/sudo')).mode & 0o7777).toBe(0o4111);
    expect(execFileSync('getcap', [join(dest, 'usr/bin/ping')], { encoding: 'utf8' })).toContain('cap_net_raw=ep');
    expect(lstatSync(join(dest, 'usr/lib/modules', FIXTURE_KVER, 'initramfs.img')).isFile()).toBe(true);
    // As a deployment sees it (/etc = a copy of usr/etc; ostree zeroes mtimes, so --nomtime): only the files the
    // compose changes on purpose differ, and /var entries are missing until systemd-tmpfiles makes them at boot.
    execFileSync('cp', ['-a', join(dest, 'usr/etc'), join(dest, 'etc')]);
    let verify = '';
    try {
      verify = execFileSync('rpm', ['--root', dest, '--dbpath', '/usr/share/rpm', '-Va', '--nomtime'], { encoding: 'utf8' });
    } catch (err) {
      verify = (err as { stdout: string }).stdout;
    }
    const lines = verify.trim().split('\n');
    expect(lines).toContain('S.5......  c /etc/passwd');
    const unexpected = lines.filter(
      (l) =>
        !/^missing +(c )?\/var\//.test(l) && // tmpfiles.d entries now
        !/^S\.5\.{6}  c \/etc\/(passwd|group|shadow|gshadow|nsswitch\.conf)$/.test(l) && // %pre users + nss-altfiles split
        !/^\.M\.{7}  g /.test(l), // %ghost files made by scriptlets with their own modes
    );
    expect(unexpected).toEqual([]);
    const ls = execFileSync('ostree', ['ls', `--repo=${join(scratch, 'repo')}`, commits[0]!, '/usr/lib/ostree-boot'], { encoding: 'utf8' }).trim();
    expect(ls).toMatch(/^d00755 0 0\s+0 \/usr\/lib\/ostree-boot$/); // boot-location: modules leaves it empty
  });

  it('db diff between the two commits is exactly the chrony upgrade, from the metadata and from the rpmdb', async () => {
    const [a, b] = await Promise.all([readCommitPackages(repo, commits[0]!), readCommitPackages(repo, 'fx/os')]);
    const [ra, rb] = await Promise.all([readCommitPackages(repo, commits[0]!, { preferRpmdb: true }), readCommitPackages(repo, 'fx/os', { preferRpmdb: true })]);
    expect(ra.packages).toEqual(a.packages);
    expect(rb.packages).toEqual(b.packages);
    expect(formatDiffBlock(diffPackageLists(a.packages, b.packages), { desc: 'fx/os^', checksum: a.checksum }, { desc: 'fx/os', checksum: b.checksum })).toBe(
      `ostree diff commit from: fx/os^ (${commits[0]})\nostree diff commit to:   fx/os (${commits[1]})\nUpgraded:\n  chrony 4.5-1.fx -> 4.6-1.fx\n`,
    );
  });
});
