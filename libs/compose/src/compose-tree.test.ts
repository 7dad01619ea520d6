import { appendFileSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getAttributeSync } from '@napi-rs/xattr';
import { Repo, readRef } from '@tsostree/objstore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLayout, makeSigningKey, run, repoFile, serveDirectory, signRpms, type Layout } from '../test/compose-helpers.js';
import { buildMiniRepo, copyRepo, createrepo, miniSpecs, rpmFiles } from '../test/mini-repo.js';
import { readPackageHeaders } from '@tsostree/rpmdb';
import { downloadPackages } from './compose-download.js';
import { resolvePackages } from './compose-resolve.js';
import { composeTree, type ComposeProgress } from './compose-tree.js';
import { loadRepos } from './repo-load.js';
import { loadTreefile } from './treefile-load.js';

const TREEFILE = `ref: mini/\${basearch}/stable
repos: [mini]
packages: [mini-app, kernel]
automatic-version-prefix: "41"
documentation: false
install-langs: [fr]
initramfs-args: [--no-hostonly]
add-commit-metadata:
  mini.stream: stable
  mini.build: 7
`;

let miniRepo: string;
beforeAll(() => {
  miniRepo = buildMiniRepo();
}, 120_000);

async function composeError(layout: Layout, extra: object = {}): Promise<{ code: string; message: string; data: Record<string, unknown> }> {
  try {
    await composeTree(layout.treefile, { repo: layout.repo, cachedir: layout.cachedir, basearch: 'x86_64', ...extra });
  } catch (err) {
    return err as { code: string; message: string; data: Record<string, unknown> };
  }
  throw new Error('expected the compose to fail');
}

async function refOf(layout: Layout, ref: string): Promise<string | undefined> {
  return readRef(await Repo.open(layout.repo), ref);
}

describe('composeTree (mini fixture repo, real ostree and rpm as oracles)', () => {
  let layout: Layout;
  let first: Awaited<ReturnType<typeof composeTree>>;
  const events: ComposeProgress[] = [];
  beforeAll(async () => {
    layout = makeLayout(TREEFILE, repoFile('mini', pathToFileURL(miniRepo).href));
    first = await composeTree(layout.treefile, {
      repo: layout.repo,
      cachedir: layout.cachedir,
      basearch: 'x86_64',
      writeCommitIdTo: join(layout.dir, 'commitid'),
      addMetadataStrings: [['mini.extra', 'yes']],
      onProgress: (e) => events.push(e),
    });
  }, 120_000);
  afterAll(() => layout.cleanup());

  it('commits the resolved packages in the solver order, and real ostree fsck accepts it', () => {
    expect(first.changed).toBe(true);
    expect(first.ref).toBe('mini/x86_64/stable');
    expect(first.packages).toEqual([
      'mini-filesystem-1.0-1.noarch',
      'mini-extra-0.9-1.noarch',
      'mini-lib-2.3-1.x86_64',
      'kernel-6.1.0-1.x86_64',
      'mini-app-1.0-1.noarch',
    ]);
    expect(readFileSync(join(layout.dir, 'commitid'), 'utf8')).toBe(first.commit);
    expect(run('ostree', ['rev-parse', `--repo=${layout.repo}`, first.ref]).trim()).toBe(first.commit);
    expect(run('ostree', ['fsck', `--repo=${layout.repo}`])).toMatch(/no errors found/);
  });

  it('carries rpm-ostree commit metadata, read back by real ostree', () => {
    const key = (k: string) => run('ostree', ['show', `--repo=${layout.repo}`, `--print-metadata-key=${k}`, first.commit]).trim();
    expect(key('version')).toBe("'41'");
    expect(key('ostree.bootable')).toBe('true');
    expect(key('ostree.linux')).toBe("'6.1.0-1.x86_64'");
    expect(key('rpmostree.inputhash')).toBe(`'${first.inputHash}'`);
    expect(key('rpmostree.rpmdb.pkglist')).toBe(
      "[('kernel', '0', '6.1.0', '1', 'x86_64'), ('mini-app', '0', '1.0', '1', 'noarch'), ('mini-extra', '0', '0.9', '1', 'noarch'), " +
        "('mini-filesystem', '0', '1.0', '1', 'noarch'), ('mini-lib', '0', '2.3', '1', 'x86_64')]",
    );
    const repomd = readFileSync(join(miniRepo, 'repodata', 'repomd.xml'), 'utf8');
    const newest = Math.max(...[...repomd.matchAll(/<timestamp>(\d+)<\/timestamp>/g)].map((m) => Number(m[1])));
    // Stored big-endian like rpm-ostree's compose commits; `ostree show` byte-swaps commit metadata back for
    // display, so a little-endian value would print as a huge number here.
    expect(key('rpmostree.rpmmd-repos')).toBe(`[{'id': <'mini'>, 'timestamp': <uint64 ${newest}>}]`);
    expect(key('mini.stream')).toBe("'stable'");
    expect(key('mini.extra')).toBe("'yes'");
    expect(key('mini.build')).toBe('int64 7');
  });

  it('checks out to a tree whose rpmdb real rpm reads: exactly the resolved packages, rpm -V shows only the intended changes', () => {
    const co = join(layout.dir, 'co');
    run('ostree', ['checkout', `--repo=${layout.repo}`, first.commit, co]);
    const qa = run('rpm', ['--root', co, '--dbpath', '/usr/share/rpm', '-qa', '--qf', '%{NEVRA}\n']).trim().split('\n').sort();
    expect(qa).toEqual([...first.packages].sort());
    // A deployment has /etc (ostree makes it from usr/etc); ostree does not keep mtimes.
    cpSync(join(co, 'usr/etc'), join(co, 'etc'), { recursive: true, verbatimSymlinks: true });
    // nss-altfiles: a deployed system also finds users in usr/lib/passwd; rpm --root only reads etc/passwd.
    for (const f of ['passwd', 'group']) appendFileSync(join(co, 'etc', f), readFileSync(join(co, 'usr/lib', f)));
    let verify = '';
    try {
      verify = run('rpm', ['--root', co, '--dbpath', '/usr/share/rpm', '-Va', '--nomtime']);
    } catch (err) {
      verify = String((err as { stdout?: string }).stdout);
    }
    // Only what post-processing changes on purpose: passwd/group split for nss-altfiles, /var content that is
    // tmpfiles.d entries now.
    const unexpected = verify
      .trim()
      .split('\n')
      .filter((l) => l !== '' && !/^missing +(c )?\/var\//.test(l) && !/^S\.5\.{6}  c \/etc\/(passwd|group)$/.test(l));
    expect(unexpected).toEqual([]);
    expect(readFileSync(join(co, 'usr/lib/passwd'), 'utf8')).toMatch(/^minisvc:x:987:987:/m);
    // documentation: false and install-langs: [fr]
    expect(existsSync(join(co, 'usr/share/doc/mini-app/README'))).toBe(false);
    expect(existsSync(join(co, 'usr/share/locale/fr/LC_MESSAGES/mini.mo'))).toBe(true);
    expect(existsSync(join(co, 'usr/share/locale/de/LC_MESSAGES/mini.mo'))).toBe(false);
    // installed through the usrmerge symlink, setuid, capabilities, non-root owner from the tree's passwd
    expect(lstatSync(join(co, 'bin')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(co, 'usr/bin/mini-app')).mode & 0o7777).toBe(0o4755);
    expect(run('getcap', [join(co, 'usr/bin/mini-ping')])).toMatch(/cap_net_raw=ep/);
    expect(getAttributeSync(join(co, 'usr/bin/mini-ping'), 'security.capability')).not.toBeNull();
    const owned = lstatSync(join(co, 'usr/lib/mini/owned'));
    expect([owned.uid, owned.gid, owned.mode & 0o777]).toEqual([987, 987, 0o640]);
    expect(existsSync(join(co, 'usr/lib/modules/6.1.0-1.x86_64/vmlinuz'))).toBe(true);
    // initramfs-args asks for dracut, which this tree does not have: the packaged initramfs stays.
    expect(readFileSync(join(co, 'usr/lib/modules/6.1.0-1.x86_64/initramfs.img'), 'utf8')).toBe('initramfs\n');
  });

  it('reports progress through every phase', () => {
    const phases = [...new Set(events.map((e) => e.phase))];
    expect(phases).toEqual(['treefile', 'metadata', 'resolve', 'download', 'install', 'scriptlets', 'rpmdb', 'postprocess', 'commit']);
    const last = events.filter((e) => e.phase === 'download').at(-1);
    expect(last).toMatchObject({ done: 5, total: 5 });
  });

  it('commits nothing when the inputs did not change, and increments the version when forced', async () => {
    const again = await composeTree(layout.treefile, { repo: layout.repo, cachedir: layout.cachedir, basearch: 'x86_64', addMetadataStrings: [['mini.extra', 'yes']] });
    expect(again).toMatchObject({ changed: false, commit: first.commit, version: '41', inputHash: first.inputHash });
    const forced = await composeTree(layout.treefile, {
      repo: layout.repo,
      cachedir: layout.cachedir,
      basearch: 'x86_64',
      forceNocache: true,
      addMetadataStrings: [['mini.extra', 'yes']],
    });
    expect(forced.changed).toBe(true);
    expect(forced.version).toBe('41.1');
    expect(run('ostree', ['rev-parse', `--repo=${layout.repo}`, `${forced.commit}^`]).trim()).toBe(first.commit);
    // Changing a treefile input changes the hash.
    writeFileSync(layout.treefile, TREEFILE.replace('install-langs: [fr]', 'install-langs: [fr, de]'));
    const changed = await composeTree(layout.treefile, { repo: layout.repo, cachedir: layout.cachedir, basearch: 'x86_64', addMetadataStrings: [['mini.extra', 'yes']] });
    expect(changed.changed).toBe(true);
    expect(changed.version).toBe('41.2');
    writeFileSync(layout.treefile, TREEFILE);
  }, 120_000);
});

describe('composeTree failures leave no commit', () => {
  it('explains an unsatisfiable package set with the solver problem', async () => {
    const layout = makeLayout('ref: mini/broken\nrepos: [mini]\npackages: [mini-app, mini-broken]\n', repoFile('mini', pathToFileURL(miniRepo).href));
    try {
      const err = await composeError(layout);
      expect(err.code).toBe('Conflict');
      expect(err.message).toMatch(/cannot resolve the package set/);
      expect(err.message).toMatch(/mini-broken/);
      expect(err.message).toMatch(/does-not-exist/);
      expect(Array.isArray(err.data['problems'])).toBe(true);
      expect(await refOf(layout, 'mini/broken')).toBeUndefined();
      const missing = await composeError(layout, {});
      expect(missing.code).toBe('Conflict');
      writeFileSync(layout.treefile, 'ref: mini/broken\nrepos: [mini]\npackages: [no-such-package]\n');
      expect((await composeError(layout)).message).toMatch(/no-such-package/);
      writeFileSync(layout.treefile, 'ref: mini/broken\nrepos: [nope]\npackages: [mini-app]\n');
      const norepo = await composeError(layout);
      expect(norepo.code).toBe('NotFound');
      expect(norepo.message).toMatch(/repo "nope" is not defined/);
    } finally {
      layout.cleanup();
    }
  }, 120_000);

  it('refuses a package whose payload is corrupt (metadata regenerated to match)', async () => {
    const layout = makeLayout('ref: mini/corrupt\nrepos: [mini]\npackages: [mini-app]\n', '');
    try {
      const repo = copyRepo(miniRepo, join(layout.dir, 'rpms'));
      const rpm = join(repo, 'mini-app-1.0-1.noarch.rpm');
      const bytes = readFileSync(rpm);
      bytes[bytes.length - 40] ^= 0xff; // inside the compressed payload
      writeFileSync(rpm, bytes);
      createrepo(repo);
      writeFileSync(join(layout.dir, 'config', 'test.repo'), repoFile('mini', pathToFileURL(repo).href));
      const err = await composeError(layout);
      expect(['Corrupt', 'ChecksumMismatch']).toContain(err.code);
      expect(err.message).toMatch(/installing mini-app-1\.0-1\.noarch/);
      expect(await refOf(layout, 'mini/corrupt')).toBeUndefined();
      expect(run('ostree', ['refs', `--repo=${layout.repo}`]).trim()).toBe('');
    } finally {
      layout.cleanup();
    }
  }, 120_000);

  it('refuses a package that does not match the checksum the repository announces', async () => {
    const layout = makeLayout('ref: mini/mismatch\nrepos: [mini]\npackages: [mini-app]\n', '');
    try {
      const repo = copyRepo(miniRepo, join(layout.dir, 'rpms'));
      cpSync(join(repo, 'mini-extra-0.9-1.noarch.rpm'), join(repo, 'mini-lib-2.3-1.x86_64.rpm'));
      writeFileSync(join(layout.dir, 'config', 'test.repo'), repoFile('mini', pathToFileURL(repo).href));
      const err = await composeError(layout);
      expect(err.code).toBe('ChecksumMismatch');
      expect(err.message).toMatch(/mini-lib-2\.3-1\.x86_64/);
      expect(await refOf(layout, 'mini/mismatch')).toBeUndefined();
    } finally {
      layout.cleanup();
    }
  }, 120_000);
});

describe('downloadPackages (mini fixture repo)', () => {
  it('hands over the headers of the bytes it verified, equal to reading them from the file, without the payload', async () => {
    const layout = makeLayout('ref: mini/dl\nrepos: [mini]\npackages: [mini-app]\n', repoFile('mini', pathToFileURL(miniRepo).href));
    try {
      const loaded = await loadTreefile(layout.treefile, { basearch: 'x86_64' });
      const resolved = await resolvePackages(await loadRepos(loaded.dir, loaded.treefile), loaded.treefile);
      const downloaded = await downloadPackages(resolved, { cachedir: layout.cachedir });
      expect(downloaded.length).toBeGreaterThan(1);
      for (const d of downloaded) {
        expect(d.headers, d.pkg.nevra).toBeDefined();
        const fromFile = await readPackageHeaders(d.path);
        expect(d.headers!.payloadOffset).toBe(fromFile.payloadOffset);
        expect(Buffer.from(d.headers!.headerBytes).equals(Buffer.from(fromFile.headerBytes))).toBe(true);
        expect([...d.headers!.header.entries.keys()]).toEqual([...fromFile.header.entries.keys()]);
        // Only the header bytes were copied: nothing refers to the whole file.
        expect(d.headers!.headerBytes.buffer.byteLength).toBeLessThanOrEqual(fromFile.payloadOffset);
      }
    } finally {
      layout.cleanup();
    }
  }, 120_000);
});

describe('repository selection: priorities, excludepkgs, includepkgs, repo-packages', () => {
  let updates: string;
  beforeAll(() => {
    updates = buildMiniRepo(miniSpecs('1.1'), 'updates');
  }, 120_000);

  async function appVersion(treefileExtra: string, updatesExtra = ''): Promise<string | undefined> {
    const layout = makeLayout(
      `ref: mini/sel\nrepos: [mini, updates]\npackages: [mini-app]\n${treefileExtra}`,
      repoFile('mini', pathToFileURL(miniRepo).href) + repoFile('updates', pathToFileURL(updates).href, updatesExtra),
    );
    try {
      const r = await composeTree(layout.treefile, { repo: layout.repo, cachedir: layout.cachedir, basearch: 'x86_64' });
      return r.packages.find((p) => p.startsWith('mini-app-'));
    } finally {
      layout.cleanup();
    }
  }

  it('takes the newest by default and honours the per-repo and treefile filters', async () => {
    expect(await appVersion('')).toBe('mini-app-1.1-1.noarch');
    expect(await appVersion('', 'excludepkgs=mini-app*\n')).toBe('mini-app-1.0-1.noarch');
    expect(await appVersion('', 'includepkgs=mini-lib mini-extra\n')).toBe('mini-app-1.0-1.noarch');
    expect(await appVersion('repo-packages:\n  - repo: mini\n    packages: [mini-app]\n')).toBe('mini-app-1.0-1.noarch');
    expect(await appVersion('exclude-packages: [mini-app-1.1-1.noarch]\n')).toBe('mini-app-1.0-1.noarch');
    await expect(appVersion('repo-packages:\n  - repo: nope\n    packages: [mini-app]\n')).rejects.toMatchObject({ code: 'NotFound' });
  }, 120_000);
});

describe('preserve-passwd', () => {
  it('keeps the previous commit\'s user ids when a package now ships other ones', async () => {
    const moved = buildMiniRepo(miniSpecs('1.0', 990), 'uid990');
    const tf = (extra = '') => `ref: mini/users\nrepos: [mini]\npackages: [mini-app]\n${extra}`;
    const layout = makeLayout(tf(), repoFile('mini', pathToFileURL(miniRepo).href));
    try {
      const opts = { repo: layout.repo, cachedir: layout.cachedir, basearch: 'x86_64' };
      const first = await composeTree(layout.treefile, opts);
      const owner = (commit: string) => run('ostree', ['ls', `--repo=${layout.repo}`, commit, '/usr/lib/mini/owned']).trim().split(/\s+/).slice(1, 3);
      expect(owner(first.commit)).toEqual(['987', '987']);
      writeFileSync(join(layout.dir, 'config', 'test.repo'), repoFile('mini', pathToFileURL(moved).href));
      const second = await composeTree(layout.treefile, opts);
      expect(second.packages).toContain('mini-filesystem-1.1-1.noarch');
      expect(owner(second.commit)).toEqual(['987', '987']);
      expect(run('ostree', ['cat', `--repo=${layout.repo}`, second.commit, '/usr/lib/passwd'])).toMatch(/^minisvc:x:987:987:/m);
      // Without preserve-passwd the package's ids win (and check-passwd must not insist on the previous ones).
      writeFileSync(layout.treefile, tf('preserve-passwd: false\ncheck-passwd: {type: none}\ncheck-groups: {type: none}\n'));
      const third = await composeTree(layout.treefile, opts);
      expect(owner(third.commit)).toEqual(['990', '990']);
    } finally {
      layout.cleanup();
    }
  }, 120_000);
});

describe('composeTree cancellation', () => {
  it.each(['resolve', 'install', 'postprocess'])('stops with AbortedError when cancelled during %s, without a commit or leftovers', async (phase) => {
    const layout = makeLayout('ref: mini/abort\nrepos: [mini]\npackages: [mini-app]\n', repoFile('mini', pathToFileURL(miniRepo).href));
    try {
      const ac = new AbortController();
      const err = await composeError(layout, { signal: ac.signal, onProgress: (e: ComposeProgress) => e.phase === phase && ac.abort() });
      expect(err.code).toBe('Aborted');
      expect(await refOf(layout, 'mini/abort')).toBeUndefined();
      expect(readdirSync(join(layout.repo, 'tmp')).filter((n) => n.startsWith('tsostree-compose'))).toEqual([]);
    } finally {
      layout.cleanup();
    }
  }, 60_000);
});

describe('composeTree downloads and signatures', () => {
  it('downloads over HTTP into the cache, resumes a partial file, and reuses the cache', async () => {
    const server = await serveDirectory(miniRepo);
    const layout = makeLayout('ref: mini/http\nrepos: [mini]\npackages: [mini-app]\n', repoFile('mini', server.url));
    try {
      // A partial download left by an interrupted run: the first 1000 bytes of the real file.
      const part = join(layout.cachedir, 'rpms', 'mini', 'mini-app-1.0-1.noarch.rpm.part');
      mkdirSync(join(layout.cachedir, 'rpms', 'mini'), { recursive: true });
      writeFileSync(part, readFileSync(join(miniRepo, 'mini-app-1.0-1.noarch.rpm')).subarray(0, 1000));
      const events: ComposeProgress[] = [];
      const r = await composeTree(layout.treefile, { repo: layout.repo, cachedir: layout.cachedir, basearch: 'x86_64', onProgress: (e) => events.push(e) });
      expect(r.changed).toBe(true);
      const rpmRequests = server.requests.filter((q) => q.path.endsWith('.rpm'));
      expect(rpmRequests.map((q) => q.path).sort()).toEqual(
        ['/mini-app-1.0-1.noarch.rpm', '/mini-extra-0.9-1.noarch.rpm', '/mini-filesystem-1.0-1.noarch.rpm', '/mini-lib-2.3-1.x86_64.rpm'],
      );
      expect(rpmRequests.find((q) => q.path === '/mini-app-1.0-1.noarch.rpm')?.range).toBe('bytes=1000-');
      expect(existsSync(part)).toBe(false);
      const downloads = events.filter((e) => e.phase === 'download');
      const total = statSync(join(miniRepo, 'mini-app-1.0-1.noarch.rpm')).size;
      expect(downloads.at(-1)).toMatchObject({ done: 4, total: 4 });
      const fetched = (downloads.at(-1) as { bytes: number }).bytes;
      const all = ['mini-extra-0.9-1.noarch.rpm', 'mini-filesystem-1.0-1.noarch.rpm', 'mini-lib-2.3-1.x86_64.rpm'].reduce((n, f) => n + statSync(join(miniRepo, f)).size, 0);
      expect(fetched).toBe(all + total - 1000);
      // Cached files are verified and reused: no package is fetched again.
      server.requests.length = 0;
      const again = await composeTree(layout.treefile, { repo: layout.repo, cachedir: layout.cachedir, basearch: 'x86_64', forceNocache: true });
      expect(again.changed).toBe(true);
      expect(server.requests.filter((q) => q.path.endsWith('.rpm'))).toEqual([]);
      // A damaged cached file is detected and replaced.
      writeFileSync(join(layout.cachedir, 'rpms', 'mini', 'mini-lib-2.3-1.x86_64.rpm'), 'garbage');
      await composeTree(layout.treefile, { repo: layout.repo, cachedir: layout.cachedir, basearch: 'x86_64', forceNocache: true });
      expect(server.requests.filter((q) => q.path.endsWith('.rpm')).map((q) => q.path)).toEqual(['/mini-lib-2.3-1.x86_64.rpm']);
    } finally {
      await server.close();
      layout.cleanup();
    }
  }, 120_000);

  it('with gpgcheck, accepts packages signed by the repo key and refuses a wrongly signed one, without a commit', async () => {
    const good = makeSigningKey('good@example.invalid');
    const evil = makeSigningKey('evil@example.invalid');
    const layout = makeLayout('ref: mini/signed\nrepos: [mini]\npackages: [mini-app]\n', '');
    try {
      const repo = copyRepo(miniRepo, join(layout.dir, 'rpms'));
      signRpms(rpmFiles(repo).map((f) => join(repo, f)), good);
      createrepo(repo);
      writeFileSync(join(layout.dir, 'good.asc'), good.publicKeyArmored);
      const cfg = (key: string) =>
        `[mini]\nname=mini\nbaseurl=${pathToFileURL(repo).href}\ngpgcheck=1\ngpgkey=${pathToFileURL(join(layout.dir, key)).href}\n`;
      writeFileSync(join(layout.dir, 'config', 'test.repo'), cfg('good.asc'));
      const ok = await composeTree(layout.treefile, { repo: layout.repo, cachedir: layout.cachedir, basearch: 'x86_64' });
      expect(ok.changed).toBe(true);
      // Re-sign one package with another key (metadata regenerated so only the signature is wrong).
      signRpms([join(repo, 'mini-lib-2.3-1.x86_64.rpm')], evil);
      createrepo(repo);
      writeFileSync(layout.treefile, 'ref: mini/signed2\nrepos: [mini]\npackages: [mini-app]\n');
      const err = await composeError(layout);
      expect(err.code).toBe('SignatureInvalid');
      expect(err.message).toMatch(/mini-lib-2\.3-1\.x86_64 from repo mini/);
      expect(await refOf(layout, 'mini/signed2')).toBeUndefined();
      // An unsigned package is refused too.
      cpSync(join(miniRepo, 'mini-lib-2.3-1.x86_64.rpm'), join(repo, 'mini-lib-2.3-1.x86_64.rpm'));
      createrepo(repo);
      expect((await composeError(layout)).code).toBe('SignatureInvalid');
      // gpgcheck without any key configured
      writeFileSync(join(layout.dir, 'config', 'test.repo'), `[mini]\nbaseurl=${pathToFileURL(repo).href}\ngpgcheck=1\n`);
      expect((await composeError(layout)).message).toMatch(/gpgcheck is on but no gpgkey/);
    } finally {
      layout.cleanup();
      rmSync(good.home, { recursive: true, force: true });
      rmSync(evil.home, { recursive: true, force: true });
    }
  }, 120_000);
});
