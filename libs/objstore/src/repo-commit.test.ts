import { createRequire } from 'node:module';
import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AbortedError, InvalidArgumentError, IoError, NotFoundError, isTsostreeError } from '@tsostree/errors';
import { serializeDirMeta } from './format/dirmeta.js';
import { SMALL_FILE_LIMIT } from './repo-content.js';
import { WriteTxn, hasObject, readMetadataObjectSync, syncFilesystem, writeMetadataObjectSync } from './repo-objects.js';
import { readRef } from './repo-refs.js';
import { Repo, REPO_MODES } from './repo.js';
import { NATIVE_SYNCFS_PATH, nativeSyncfs } from './syncfs-native.js';
import { commitDirectory } from './repo-commit.js';
import { Variant } from './format/gvariant/value.js';
import { ostree, tempDir } from '../test/tmp.js';
import { bytes, makeSampleTree } from '../test/trees.js';

const TS = 1577836800; // 2020-01-01T00:00:00Z

describe('commitDirectory vs real ostree commit', () => {
  it.each(REPO_MODES)('produces the same commit checksum in %s mode, and real ostree fsck passes', async (mode) => {
    const dir = await tempDir();
    const tree = join(dir, 'tree');
    await makeSampleTree(tree, { xattrs: mode !== 'bare-user-only', suid: true });
    ostree(['init', `--repo=${join(dir, 'theirs')}`, `--mode=${mode}`]);
    const theirs = ostree([
      'commit', `--repo=${join(dir, 'theirs')}`, '-b', 'os/main', '-s', 'subject', '-m', 'body\nline 2',
      `--timestamp=@${TS}`, tree,
    ]).trim();
    const repo = await Repo.init(join(dir, 'ours'), { mode });
    const ours = await commitDirectory(repo, tree, { branch: 'os/main', subject: 'subject', body: 'body\nline 2', timestamp: TS });
    expect(ours.checksum).toBe(theirs);
    expect(ostree(['fsck', `--repo=${join(dir, 'ours')}`])).toMatch(/Verifying content integrity of 1 commit/);
  });

  it('matches with metadata strings, parent and skip-if-unchanged', async () => {
    const dir = await tempDir();
    const tree = join(dir, 'tree');
    await makeSampleTree(tree);
    ostree(['init', `--repo=${join(dir, 'theirs')}`, '--mode=archive']);
    const repo = await Repo.init(join(dir, 'ours'), { mode: 'archive' });
    const args = ['--add-metadata-string=version=42.1', '--add-metadata-string=zeta=last'];
    const t1 = ostree(['commit', `--repo=${join(dir, 'theirs')}`, '-b', 'main', `--timestamp=@${TS}`, ...args, tree]).trim();
    const t2 = ostree(['commit', `--repo=${join(dir, 'theirs')}`, '-b', 'main', `--timestamp=@${TS + 1}`, '-s', 'second', tree]).trim();
    const meta: [string, Variant][] = [
      ['version', new Variant('s', '42.1')],
      ['zeta', new Variant('s', 'last')],
    ];
    const o1 = await commitDirectory(repo, tree, { branch: 'main', timestamp: TS, metadata: meta });
    const o2 = await commitDirectory(repo, tree, { branch: 'main', timestamp: TS + 1, subject: 'second' });
    expect(o1.checksum).toBe(t1);
    expect(o2.checksum).toBe(t2);
    const o3 = await commitDirectory(repo, tree, { branch: 'main', timestamp: TS + 2, skipIfUnchanged: true });
    expect(o3).toMatchObject({ checksum: o2.checksum, changed: false });
  });

  it('composes --tree=ref= and --tree=dir= like ostree, and canonicalizes owners and permissions', async () => {
    const dir = await tempDir();
    const tree = join(dir, 'tree');
    await makeSampleTree(tree);
    const extra = join(dir, 'extra');
    await (await import('node:fs/promises')).mkdir(join(extra, 'etc'), { recursive: true });
    await (await import('node:fs/promises')).writeFile(join(extra, 'etc/secret'), 'overridden');
    await (await import('node:fs/promises')).writeFile(join(extra, 'added'), 'added');
    const theirs = join(dir, 'theirs');
    ostree(['init', `--repo=${theirs}`, '--mode=bare-user']);
    const repo = await Repo.init(join(dir, 'ours'), { mode: 'bare-user' });
    ostree(['commit', `--repo=${theirs}`, '-b', 'base', `--timestamp=@${TS}`, tree]);
    await commitDirectory(repo, tree, { branch: 'base', timestamp: TS });
    const t = ostree(['commit', `--repo=${theirs}`, '-b', 'composed', `--timestamp=@${TS}`, '--tree=ref=base', `--tree=dir=${extra}`]).trim();
    const o = await commitDirectory(repo, undefined, { branch: 'composed', timestamp: TS, trees: [{ ref: 'base' }, { dir: extra }] });
    expect(o.checksum).toBe(t);
    const t2 = ostree(['commit', `--repo=${theirs}`, '-b', 'canon', `--timestamp=@${TS}`, '--canonical-permissions', '--owner-uid=0', tree]).trim();
    const o2 = await commitDirectory(repo, tree, { branch: 'canon', timestamp: TS, canonicalPermissions: true, ownerUid: 0 });
    expect(o2.checksum).toBe(t2);
    const t3 = ostree(['commit', `--repo=${theirs}`, '-b', 'own', `--timestamp=@${TS}`, '--owner-uid=42', '--owner-gid=43', tree]).trim();
    const o3 = await commitDirectory(repo, tree, { branch: 'own', timestamp: TS, ownerUid: 42, ownerGid: 43 });
    expect(o3.checksum).toBe(t3);
  });
});

describe('commitDirectory: direct-syscall path and transaction', () => {
  it.each(REPO_MODES)('matches ostree at the read-buffer boundaries in %s mode', async (mode) => {
    const dir = await tempDir();
    const tree = join(dir, 'tree');
    await mkdir(tree);
    // Around SMALL_FILE_LIMIT (whole-file read into the reused buffer vs streamed copy), plus two
    // files with equal content (the second is a staged duplicate) and a large symlink target.
    for (const size of [0, 1, SMALL_FILE_LIMIT - 1, SMALL_FILE_LIMIT, SMALL_FILE_LIMIT + 1, 2 * SMALL_FILE_LIMIT + 3]) {
      await writeFile(join(tree, `f${size}`), bytes(size, size + 7));
    }
    await writeFile(join(tree, 'dup-of-f1'), bytes(1, 8));
    await symlink('t'.repeat(1000), join(tree, 'long-link'));
    ostree(['init', `--repo=${join(dir, 'theirs')}`, `--mode=${mode}`]);
    const theirs = ostree(['commit', `--repo=${join(dir, 'theirs')}`, '-b', 'b', `--timestamp=@${TS}`, tree]).trim();
    const repo = await Repo.init(join(dir, 'ours'), { mode });
    const ours = await commitDirectory(repo, tree, { branch: 'b', timestamp: TS });
    expect(ours.checksum).toBe(theirs);
    expect(ostree(['fsck', `--repo=${join(dir, 'ours')}`])).toMatch(/Verifying content integrity of 1 commit/);
    // Nothing staged is left behind in tmp/.
    expect((await readdir(repo.tmpDir)).filter((n) => n !== 'cache')).toEqual([]);
  });

  it('stops at an abort between files, leaves no ref and removes what it staged', async () => {
    const dir = await tempDir();
    const tree = join(dir, 'tree');
    await mkdir(tree);
    for (let i = 0; i < 1500; i++) await writeFile(join(tree, `f${i}`), `file ${i}`);
    const repo = await Repo.init(join(dir, 'ours'), { mode: 'bare-user' });
    const ac = new AbortController();
    const seen: number[] = [];
    const error = await commitDirectory(repo, tree, {
      branch: 'b',
      timestamp: TS,
      signal: ac.signal,
      onProgress: (e) => {
        seen.push(e.files);
        if (e.files >= 1000) ac.abort();
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isTsostreeError(error, AbortedError.code)).toBe(true);
    expect(seen.at(-1)).toBeLessThan(1500);
    expect(await readRef(repo, 'b')).toBeUndefined();
    expect((await readdir(repo.tmpDir)).filter((n) => n !== 'cache')).toEqual([]);
    expect(await readdir(repo.resolve('objects'))).toEqual([]);
  });
});

describe('commitDirectory treesRead', () => {
  it.each(['archive', 'bare-user'] as const)('runs once every file is read (%s): removing the tree there still commits all of it', async (mode) => {
    const dir = await tempDir();
    const tree = join(dir, 'tree');
    await makeSampleTree(tree, { xattrs: false });
    ostree(['init', `--repo=${join(dir, 'theirs')}`, `--mode=${mode}`]);
    const theirs = ostree(['commit', `--repo=${join(dir, 'theirs')}`, '-b', 'b', `--timestamp=@${TS}`, tree]).trim();
    const repo = await Repo.init(join(dir, 'ours'), { mode });
    let calls = 0;
    const ours = await commitDirectory(repo, tree, {
      branch: 'b',
      timestamp: TS,
      treesRead: async () => {
        calls++;
        expect(await readRef(repo, 'b')).toBeUndefined();
        await rm(tree, { recursive: true, force: true });
      },
    });
    expect(calls).toBe(1);
    expect(ours.checksum).toBe(theirs);
    expect(ostree(['fsck', `--repo=${join(dir, 'ours')}`])).toMatch(/Verifying content integrity of 1 commit/);
  });
});

describe('WriteTxn', () => {
  it('keeps staged objects invisible until commit, then makes them readable', async () => {
    const dir = await tempDir();
    const repo = await Repo.init(join(dir, 'r'), { mode: 'bare-user' });
    const txn = new WriteTxn(repo);
    const csum = writeMetadataObjectSync(repo, 'dirmeta', serializeDirMeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [] }), { txn });
    expect(txn.has(csum, 'dirmeta')).toBe(true);
    expect(await hasObject(repo, 'dirmeta', csum)).toBe(false);
    expect(await hasObject(repo, 'dirmeta', csum, txn)).toBe(true);
    await txn.commit();
    expect(txn.size).toBe(0);
    expect(await hasObject(repo, 'dirmeta', csum)).toBe(true);
    expect(readMetadataObjectSync(repo, 'dirmeta', csum).length).toBeGreaterThan(0);
  });

  it('commit syncs the filesystem before the renames (object data) and again after them (the new directory entries)', async () => {
    const dir = await tempDir();
    const repo = await Repo.init(join(dir, 'r'), { mode: 'bare-user' });
    const txn = new WriteTxn(repo);
    const csum = writeMetadataObjectSync(repo, 'dirmeta', serializeDirMeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [] }), { txn });
    // The addon module syncfs-native.ts loaded (Node caches an addon by its path): each call notes whether the object was in place.
    const addon = createRequire(import.meta.url)(NATIVE_SYNCFS_PATH) as { syncfs(path: string): Promise<number> };
    const original = addon.syncfs;
    const seen: boolean[] = [];
    addon.syncfs = async (path) => {
      seen.push(await hasObject(repo, 'dirmeta', csum));
      return original(path);
    };
    try {
      await txn.commit();
    } finally {
      addon.syncfs = original;
    }
    expect(seen).toEqual([false, true]);
  });

  it('syncFilesystem runs syncfs on the repository filesystem and reports a missing path as an error', async () => {
    const dir = await tempDir();
    // Through the addon (built by the `native` target, which the tests depend on)…
    expect(nativeSyncfs()).toBeDefined();
    expect(await syncFilesystem(dir)).toBe(true);
    await expect(syncFilesystem(join(dir, 'missing'))).rejects.toMatchObject({
      code: NotFoundError.code,
      data: { errno: 'ENOENT', path: join(dir, 'missing') },
      message: expect.stringMatching(/^syncfs: ENOENT/),
    });
    // … and through coreutils' `sync -f` without it.
    expect(await syncFilesystem(dir, { native: false })).toBe(true);
    await expect(syncFilesystem(join(dir, 'missing'), { native: false })).rejects.toMatchObject({ code: IoError.code });
    // A path no syscall can take: the same typed error on both paths, nothing run.
    for (const native of [true, false]) {
      await expect(syncFilesystem(`${dir}\0/x`, { native })).rejects.toMatchObject({ code: InvalidArgumentError.code });
    }
  });
});
