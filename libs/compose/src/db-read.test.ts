import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptError, NotFoundError } from '@tsostree/errors';
import { commitDirectory, Repo, Variant } from '@tsostree/objstore';
import { installedHeader, readPackageHeaders, writeRpmdb } from '@tsostree/rpmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComposeFixtureRepo, type ComposeFixtureRepo } from '../test/compose-fixtures.js';
import { packageEntriesFromHeaders, pkglistVariant, readCommitPackages, rpmdbVersion } from './db-read.js';
import { diffPackageLists, formatDiffBlock, packageNevra } from './format/pkglist.js';

const scratch = mkdtempSync(join(tmpdir(), 'db-read-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let v1: ComposeFixtureRepo;
let v2: ComposeFixtureRepo;
let repo: Repo;
const commits: Record<string, string> = {};

async function tree(name: string, fixture: ComposeFixtureRepo): Promise<{ dir: string; headers: Awaited<ReturnType<typeof readPackageHeaders>>['header'][] }> {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'usr/share/rpm'), { recursive: true });
  const pkgs = await Promise.all(fixture.rpms.map((r) => readPackageHeaders(r)));
  await writeRpmdb(join(dir, 'usr/share/rpm'), pkgs.map((p) => installedHeader(p, { installTime: 1_700_000_000 })));
  return { dir, headers: pkgs.map((p) => p.header) };
}

beforeAll(async () => {
  [v1, v2] = await Promise.all([buildComposeFixtureRepo(), buildComposeFixtureRepo({ variant: 'v2' })]);
  repo = await Repo.init(join(scratch, 'repo'), { mode: 'archive' });
  const t1 = await tree('t1', v1);
  const t2 = await tree('t2', v2);
  // v1 carries the pkglist metadata like a compose writes it; v2 has only the rpmdb in the tree
  commits.v1 = (await commitDirectory(repo, t1.dir, { branch: 'os/v1', metadata: [['rpmostree.rpmdb.pkglist', pkglistVariant(packageEntriesFromHeaders(t1.headers))]] })).checksum;
  commits.v2 = (await commitDirectory(repo, t2.dir, { branch: 'os/v2' })).checksum;
  const empty = join(scratch, 'empty');
  mkdirSync(join(empty, 'usr'), { recursive: true });
  commits.none = (await commitDirectory(repo, empty, { branch: 'os/none' })).checksum;
  commits.bad = (await commitDirectory(repo, empty, { branch: 'os/bad', metadata: [['rpmostree.rpmdb.pkglist', new Variant('as', ['x'])]] })).checksum;
}, 240_000);

describe('readCommitPackages', () => {
  it('reads the pkglist metadata, or the rpmdb in the tree, with the same result as the real rpm', async () => {
    const a = await readCommitPackages(repo, 'os/v1');
    expect(a.source).toBe('pkglist');
    expect(a.checksum).toBe(commits.v1);
    const viaRpmdb = await readCommitPackages(repo, 'os/v1', { preferRpmdb: true });
    expect(viaRpmdb.source).toBe('rpmdb');
    expect(viaRpmdb.packages).toEqual(a.packages);
    const rpmQa = execFileSync('rpm', ['--dbpath', join(scratch, 't1/usr/share/rpm'), '-qa', '--qf', '%{NAME}-%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}.%{ARCH}\n'], { encoding: 'utf8' });
    expect(a.packages.map(packageNevra).sort()).toEqual(rpmQa.trim().split('\n').sort());
    expect(a.packages.length).toBe(v1.packages.length);
  });

  it('computes rpm-ostree\'s rpmdb version (python3-rpm oracle: rpm.labelCompare order, sha256 of the ENVRAs)', async () => {
    const { packages } = await readCommitPackages(repo, 'os/v2', { preferRpmdb: true });
    const oracle = execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        [
          'import rpm, sys, hashlib, functools',
          "rpm.addMacro('_dbpath', sys.argv[1])",
          'hs = [h for h in rpm.TransactionSet().dbMatch() if h[rpm.RPMTAG_NAME] != "gpg-pubkey"]',
          'def cmp(a, b):',
          '    na, nb = a[rpm.RPMTAG_NAME].encode(), b[rpm.RPMTAG_NAME].encode()',
          '    if na != nb: return -1 if na < nb else 1',
          '    ev = lambda h: (str(h[rpm.RPMTAG_EPOCH]) if h[rpm.RPMTAG_EPOCH] is not None else None, h[rpm.RPMTAG_VERSION], h[rpm.RPMTAG_RELEASE])',
          '    return rpm.labelCompare(ev(a), ev(b))',
          'hs.sort(key=functools.cmp_to_key(cmp))',
          'm = hashlib.sha256()',
          'for h in hs:',
          '    e = h[rpm.RPMTAG_EPOCH]',
          '    m.update(((str(e) + ":") if e else "").encode() + ("%s-%s-%s.%s" % (h[rpm.RPMTAG_NAME], h[rpm.RPMTAG_VERSION], h[rpm.RPMTAG_RELEASE], h[rpm.RPMTAG_ARCH])).encode())',
          'print("%d:%s" % (len(hs), m.hexdigest()))',
        ].join('\n'),
        join(scratch, 't2/usr/share/rpm'),
      ],
      { encoding: 'utf8' },
    ).trim();
    expect(rpmdbVersion(packages)).toBe(oracle);
  });

  it('diffs v1 against v2: exactly the chrony upgrade', async () => {
    const [a, b] = await Promise.all([readCommitPackages(repo, commits.v1!.slice(0, 10)), readCommitPackages(repo, 'os/v2')]);
    expect(b.source).toBe('rpmdb');
    const text = formatDiffBlock(diffPackageLists(a.packages, b.packages), { desc: 'os/v1', checksum: a.checksum }, { desc: 'os/v2', checksum: b.checksum });
    expect(text).toBe(`ostree diff commit from: os/v1 (${commits.v1})\nostree diff commit to:   os/v2 (${commits.v2})\nUpgraded:\n  chrony 4.5-1.fx -> 4.6-1.fx\n`);
  });

  it('fails clearly on a commit without package data, a corrupt pkglist, an unknown rev', async () => {
    await expect(readCommitPackages(repo, 'os/none')).rejects.toThrow(NotFoundError);
    await expect(readCommitPackages(repo, 'os/bad')).rejects.toThrow(CorruptError);
    await expect(readCommitPackages(repo, 'os/missing')).rejects.toThrow(NotFoundError);
  });
});
