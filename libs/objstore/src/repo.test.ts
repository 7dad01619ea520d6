import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, rm, stat, symlink, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Repo, REPO_MODES, parseRepoMode } from './repo.js';
import { addRemote, deleteRemote, getRemote, listRemotes } from './repo-remotes.js';
import { isValidRefName, listRefs, parseRefspec, readRef, resolveRev, writeRef } from './repo-refs.js';
import { lockRepo } from './repo-lock.js';
import { deleteObject, objectPath, readMetadataObjectSync, withMetadataCache } from './repo-objects.js';
import { ostree, tempDir } from '../test/tmp.js';

async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = await stat(p);
      out.push(`${relative(root, p)} ${e.isDirectory() ? 'd' : 'f'} ${(st.mode & 0o7777).toString(8)}`);
      if (e.isDirectory()) await walk(p);
    }
  };
  await walk(root);
  return out.sort();
}

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('Repo.init', () => {
  it.each(REPO_MODES)('creates exactly the layout and config of real `ostree init --mode=%s`', async (mode) => {
    const dir = await tempDir();
    ostree(['init', `--repo=${join(dir, 'theirs')}`, `--mode=${mode}`]);
    const ours = await Repo.init(join(dir, 'ours'), { mode });
    expect(ours.mode).toBe(mode);
    expect(await tree(join(dir, 'ours'))).toEqual(await tree(join(dir, 'theirs')));
    expect(await readFile(join(dir, 'ours', 'config'), 'utf8')).toBe(await readFile(join(dir, 'theirs', 'config'), 'utf8'));
    // Real ostree accepts our repository.
    expect(ostree(['refs', `--repo=${join(dir, 'ours')}`])).toBe('');
    // And we open theirs with the right mode.
    expect((await Repo.open(join(dir, 'theirs'))).mode).toBe(mode);
  });

  it('is idempotent for the same mode and refuses another mode', async () => {
    const dir = await tempDir();
    await Repo.init(dir, { mode: 'archive' });
    await Repo.init(dir, { mode: 'archive' });
    await expect(Repo.init(dir, { mode: 'bare' })).rejects.toMatchObject({ code: 'Conflict' });
  });

  it('refuses a missing or hostile repository', async () => {
    const dir = await tempDir();
    await expect(Repo.open(join(dir, 'nope'))).rejects.toMatchObject({ code: 'NotFound' });
    await mkdir(join(dir, 'bad'));
    await writeFile(join(dir, 'bad', 'config'), '[core]\nrepo_version=1\nmode=weird\n');
    await mkdir(join(dir, 'bad', 'objects'));
    await expect(Repo.open(join(dir, 'bad'))).rejects.toMatchObject({ code: 'InvalidArgument' });
    await writeFile(join(dir, 'bad', 'config'), '[core]\nrepo_version=2\n');
    await expect(Repo.open(join(dir, 'bad'))).rejects.toMatchObject({ code: 'Unsupported' });
    await writeFile(join(dir, 'bad', 'config'), 'garbage\n');
    await expect(Repo.open(join(dir, 'bad'))).rejects.toMatchObject({ code: 'Corrupt' });
    expect(() => parseRepoMode('bare-split-xattrs')).toThrow(expect.objectContaining({ code: 'Unsupported' }));
  });
});

describe('refs', () => {
  it('validates names like ostree', () => {
    for (const ok of ['main', 'fedora/x86_64/silverblue', 'a-b.c_d', '0']) expect(isValidRefName(ok)).toBe(true);
    for (const bad of ['', '/a', 'a/', 'a//b', '../x', 'a/../b', '.hidden', '-x', 'a b', 'a\0b', 'a:b', 'x'.repeat(2000)]) {
      expect(isValidRefName(bad)).toBe(false);
    }
    expect(parseRefspec('origin:fedora/stable')).toEqual({ remote: 'origin', ref: 'fedora/stable' });
    expect(() => parseRefspec('or/igin:x')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
  });

  it('writes ref files real ostree reads, and reads refs real ostree writes', async () => {
    const dir = await tempDir();
    const repo = await Repo.init(dir, { mode: 'archive' });
    await writeRef(repo, 'os/main', A);
    await writeRef(repo, { remote: 'origin', ref: 'os/stable' }, B);
    expect(await readFile(join(dir, 'refs/heads/os/main'), 'utf8')).toBe(`${A}\n`);
    expect(ostree(['refs', `--repo=${dir}`]).split('\n').filter(Boolean)).toEqual(['os/main', 'origin:os/stable']);
    expect([...(await listRefs(repo)).entries()]).toEqual([
      ['os/main', A],
      ['origin:os/stable', B],
    ]);
    expect(await readRef(repo, 'origin/os/stable')).toBe(B);
    expect(await resolveRev(repo, 'origin:os/stable')).toBe(B);
    await expect(resolveRev(repo, 'nope')).rejects.toMatchObject({ code: 'NotFound' });
    expect(await resolveRev(repo, 'nope', { allowMissing: true })).toBeUndefined();
    await expect(resolveRev(repo, '../../etc/passwd')).rejects.toMatchObject({ code: 'InvalidArgument' });
    await writeRef(repo, 'os/main', null);
    expect(await readRef(repo, 'os/main')).toBeUndefined();
    await expect(stat(join(dir, 'refs/heads/os'))).rejects.toThrow();
  });

  it('reports a ref file with garbage as corrupt', async () => {
    const dir = await tempDir();
    const repo = await Repo.init(dir, { mode: 'bare-user' });
    await writeFile(join(dir, 'refs/heads/bad'), 'not a checksum\n');
    await expect(readRef(repo, 'bad')).rejects.toMatchObject({ code: 'Corrupt' });
  });

  it('resolves partial checksums and parents through the given callbacks', async () => {
    const dir = await tempDir();
    const repo = await Repo.init(dir, { mode: 'bare-user' });
    await writeRef(repo, 'main', A);
    const opts = {
      parentOf: async (c: string) => (c === A ? B : undefined),
      commitsWithPrefix: async (p: string) => [A, B, `aaaa${'c'.repeat(60)}`].filter((c) => c.startsWith(p)),
    };
    expect(await resolveRev(repo, 'main^', opts)).toBe(B);
    await expect(resolveRev(repo, 'main^^', opts)).rejects.toMatchObject({ code: 'NotFound' });
    expect(await resolveRev(repo, 'bbbb', opts)).toBe(B);
    await expect(resolveRev(repo, 'aaaa', opts)).rejects.toMatchObject({ code: 'InvalidArgument' });
  });
});

describe('remotes', () => {
  it('writes the same config as `ostree remote add` and reads theirs', async () => {
    const dir = await tempDir();
    const ours = await Repo.init(join(dir, 'ours'), { mode: 'archive' });
    ostree(['init', `--repo=${join(dir, 'theirs')}`, '--mode=archive']);
    ostree(['remote', 'add', `--repo=${join(dir, 'theirs')}`, '--no-gpg-verify', '--set=foo=bar baz', 'origin', 'http://example.com/repo', 'main', 'other']);
    ostree(['remote', 'add', `--repo=${join(dir, 'theirs')}`, 'r2', 'file:///x']);
    await addRemote(ours, 'origin', 'http://example.com/repo', { branches: ['main', 'other'], options: { foo: 'bar baz' }, noGpgVerify: true });
    await addRemote(ours, 'r2', 'file:///x');
    const theirsText = await readFile(join(dir, 'theirs', 'config'), 'utf8');
    expect(await readFile(join(dir, 'ours', 'config'), 'utf8')).toBe(theirsText);
    await expect(addRemote(ours, 'r2', 'file:///y')).rejects.toMatchObject({ code: 'Conflict' });
    await addRemote(ours, 'r2', 'file:///y', { ifNotExists: true });
    const theirs = await Repo.open(join(dir, 'theirs'));
    expect(listRemotes(theirs)).toEqual(['origin', 'r2']);
    expect(getRemote(theirs, 'origin')).toMatchObject({ url: 'http://example.com/repo', branches: ['main', 'other'] });
    expect(getRemote(theirs, 'origin').options['gpg-verify']).toBe('false');
    await deleteRemote(ours, 'r2');
    ostree(['remote', 'delete', `--repo=${join(dir, 'theirs')}`, 'r2']);
    expect(await readFile(join(dir, 'ours', 'config'), 'utf8')).toBe(await readFile(join(dir, 'theirs', 'config'), 'utf8'));
    await expect(deleteRemote(ours, 'r2')).rejects.toMatchObject({ code: 'NotFound' });
    await expect(addRemote(ours, 'bad name', 'x')).rejects.toMatchObject({ code: 'InvalidArgument' });
  });
});

describe('lockRepo', () => {
  it('allows many shared holders and makes exclusive wait for them', async () => {
    const dir = await tempDir();
    await Repo.init(dir, { mode: 'archive' });
    const s1 = await lockRepo(dir, 'shared');
    const s2 = await lockRepo(dir, 'shared');
    await expect(lockRepo(dir, 'exclusive', { timeoutMs: 100 })).rejects.toMatchObject({ code: 'Locked' });
    await s1.release();
    const pending = lockRepo(dir, 'exclusive', { timeoutMs: 2000 });
    setTimeout(() => void s2.release(), 100);
    const ex = await pending;
    await expect(lockRepo(dir, 'shared', { timeoutMs: 100 })).rejects.toMatchObject({ code: 'Locked' });
    await ex.release();
    await (await lockRepo(dir, 'shared', { timeoutMs: 100 })).release();
    expect((await stat(join(dir, '.lock'))).isFile()).toBe(true);
  });

  it('ignores holders whose process is gone', async () => {
    const dir = await tempDir();
    await Repo.init(dir, { mode: 'archive' });
    await mkdir(join(dir, '.tsostree-lock'), { recursive: true });
    await writeFile(join(dir, '.tsostree-lock', 'exclusive'), '999999999\n');
    await writeFile(join(dir, '.tsostree-lock', 'shared-x'), '999999998\n');
    await (await lockRepo(dir, 'exclusive', { timeoutMs: 100 })).release();
  });
});

/** A bare repository holding `text` as a loose dirtree object (not parsed: only read and hashed). */
async function bareRepoWithDirtree(text: string): Promise<{ dir: string; repo: Repo; bytes: Uint8Array; sum: string; path: string }> {
  const dir = await tempDir();
  const repo = await Repo.init(dir, { mode: 'bare' });
  const bytes = new TextEncoder().encode(text);
  const sum = createHash('sha256').update(bytes).digest('hex');
  const path = objectPath(repo, sum, 'dirtree');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return { dir, repo, bytes, sum, path };
}

describe('readMetadataObjectSync', () => {
  it('reads and verifies an object, and refuses what is not a regular file (symlink, FIFO, directory) without blocking', async () => {
    const { dir, repo, bytes, sum, path } = await bareRepoWithDirtree('not really a dirtree, but bytes');
    expect(Buffer.from(readMetadataObjectSync(repo, 'dirtree', sum)).equals(Buffer.from(bytes))).toBe(true);
    await writeFile(path, 'changed');
    expect(() => readMetadataObjectSync(repo, 'dirtree', sum)).toThrow(expect.objectContaining({ code: 'ChecksumMismatch' }));
    expect(readMetadataObjectSync(repo, 'dirtree', sum, { verify: false }).length).toBe(7);
    expect(() => readMetadataObjectSync(repo, 'dirtree', sum, { verify: false, maxSize: 3 })).toThrow(expect.objectContaining({ code: 'Corrupt' }));
    await rm(path);
    expect(() => readMetadataObjectSync(repo, 'dirtree', sum)).toThrow(expect.objectContaining({ code: 'NotFound' }));
    await writeFile(join(dir, 'target'), bytes);
    await symlink(join(dir, 'target'), path);
    expect(() => readMetadataObjectSync(repo, 'dirtree', sum)).toThrow(expect.objectContaining({ code: 'Corrupt' }));
    await rm(path);
    execFileSync('mkfifo', [path]);
    expect(() => readMetadataObjectSync(repo, 'dirtree', sum)).toThrow(expect.objectContaining({ code: 'Corrupt' }));
    await rm(path);
    await mkdir(path);
    expect(() => readMetadataObjectSync(repo, 'dirtree', sum)).toThrow(expect.objectContaining({ code: 'Corrupt' }));
  });
});

describe('withMetadataCache', () => {
  it('reads a verified dirtree from disk once per scope, evicts it on delete, and ends with the scope', async () => {
    const { repo, bytes, sum, path } = await bareRepoWithDirtree('cached dirtree bytes');
    await withMetadataCache(repo, async () => {
      // Unverified reads are not cached.
      readMetadataObjectSync(repo, 'dirtree', sum, { verify: false });
      expect(repo.metadataCache?.size).toBe(0);
      const first = readMetadataObjectSync(repo, 'dirtree', sum);
      await withMetadataCache(repo, async () => {
        // Nested scopes share the outer cache: no second read from disk.
        await writeFile(path, 'changed on disk');
        expect(readMetadataObjectSync(repo, 'dirtree', sum)).toBe(first);
      });
      expect(repo.metadataCache?.size).toBe(1);
      await deleteObject(repo, 'dirtree', sum);
      expect(() => readMetadataObjectSync(repo, 'dirtree', sum)).toThrow(expect.objectContaining({ code: 'NotFound' }));
      await writeFile(path, 'changed on disk');
    });
    expect(repo.metadataCache).toBeUndefined();
    expect(() => readMetadataObjectSync(repo, 'dirtree', sum)).toThrow(expect.objectContaining({ code: 'ChecksumMismatch' }));
  });
});
