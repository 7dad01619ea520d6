import { existsSync, mkdirSync } from 'node:fs';
import { copyFile, lstat, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPlannedTree, planFilePath, planTree } from './checkout-hardlink.js';
import { nativeLinker } from './checkout-native.js';
import { checksumToBytes } from './format/checksum.js';
import { serializeCommit } from './format/commit.js';
import { parseDirMeta, serializeDirMeta } from './format/dirmeta.js';
import { serializeGVariant } from './format/gvariant/serialize.js';
import { storeContent } from './repo-content.js';
import { loadCommit } from './repo-commit.js';
import { checkoutCommit } from './repo-checkout.js';
import { objectPath, readMetadataObjectSync, writeMetadataObject } from './repo-objects.js';
import { resolveRev, writeRef } from './repo-refs.js';
import { Repo } from './repo.js';
import { nodeXattrs } from './xattrs.js';
import { ostree, tempDir } from '../test/tmp.js';
import { ostreeBareUserSample } from '../test/trees.js';

const CORES = [
  ['native', true],
  ['JavaScript', false],
] as const;

/** Plans and links `rev` of `repo` into `dest` with one core; returns the paths sent to the copy path. */
async function linkWith(repo: Repo, rev: string, dest: string, native: boolean, threads: number): Promise<string[]> {
  const commit = await loadCommit(repo, (await resolveRev(repo, rev))!);
  const meta = parseDirMeta(readMetadataObjectSync(repo, 'dirmeta', commit.rootMeta));
  const linker = native ? nativeLinker() : undefined;
  expect(linker !== undefined).toBe(native);
  const link = { userMode: true, threads, ...(linker ? { native: linker } : {}) };
  const plan = await planTree(repo, commit.rootTree, meta, dest, (c) => parseDirMeta(readMetadataObjectSync(repo, 'dirmeta', c)), { link });
  const fallback = await createPlannedTree(repo, plan, { makeDir: (p) => mkdirSync(p, 0o700), userMode: true, ...(linker ? { native: linker } : {}) });
  return fallback.map((i) => planFilePath(plan, i).slice(dest.length));
}

describe.each(CORES)('the %s link core', (_core, native) => {
  it.each([1, 2])('links every file and recreates symlinks itself; only objects without content or metadata take the copy path (%i threads)', async (threads) => {
    const dir = await tempDir();
    const r = await ostreeBareUserSample(dir, { suid: true });
    const repo = await Repo.open(r);
    const all = await linkWith(repo, 'main', join(dir, 'all'), native, threads);
    expect(all).toEqual([]);
    expect((await lstat(join(dir, 'all/etc/link'))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(dir, 'all/usr/bin/tool'))).nlink).toBe(2);
    // A missing object (ENOENT) and an object without `user.ostreemeta` go to the copy path.
    const ls = ostree(['ls', `--repo=${r}`, '-C', 'main', '/etc/link', '/usr/bin/tool']);
    const sums = ls.trim().split('\n').map((l) => l.split(/\s+/)[4]!);
    await rm(objectPath(repo, sums[0]!, 'file'));
    nodeXattrs.remove(objectPath(repo, sums[1]!, 'file'), 'user.ostreemeta');
    expect(await linkWith(repo, 'main', join(dir, 'some'), native, threads)).toEqual(['/etc/link', '/usr/bin/tool']);
  });
});

describe('link errors', () => {
  /** A bare-user commit: `levels` directories named 200 × `d` down to `leaf` (files and subdirectory names). */
  async function deepCommit(repo: Repo, levels: number, leaf: { files: [string, string][]; dirs: string[] }): Promise<void> {
    const meta = await writeMetadataObject(repo, 'dirmeta', serializeDirMeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [] }));
    const dirtree = (files: [string, string][], dirs: [string, string][]) =>
      writeMetadataObject(
        repo,
        'dirtree',
        serializeGVariant('(a(say)a(sayay))', [files.map(([n, c]) => [n, checksumToBytes(c)]), dirs.map(([n, t]) => [n, checksumToBytes(t), checksumToBytes(meta)])]),
      );
    const empty = await dirtree([], []);
    let tree = await dirtree(
      leaf.files,
      leaf.dirs.map((d) => [d, empty]),
    );
    for (let i = 0; i < levels; i++) tree = await dirtree([], [['d'.repeat(200), tree]]);
    const commit = await writeMetadataObject(
      repo,
      'commit',
      serializeCommit({ metadata: [], parent: null, related: [], subject: '', body: '', timestamp: 0, rootTree: tree, rootMeta: meta }),
    );
    await writeRef(repo, 'deep', commit);
  }

  it.each([
    ['link', 'file'],
    ['symlink', 'symlink'],
    ['mkdir', 'dir'],
  ])('a failing %s is the same typed error with the same message on both cores and both thread counts', async (syscall, kind) => {
    const dir = await tempDir();
    const repo = await Repo.init(join(dir, 'repo'), { mode: 'bare-user' });
    const file = await storeContent(repo, { uid: 0, gid: 0, mode: 0o100644, symlinkTarget: '', xattrs: [] }, Buffer.from('x'));
    const link = await storeContent(repo, { uid: 0, gid: 0, mode: 0o120777, symlinkTarget: 'target', xattrs: [] });
    await mkdir(join(dir, 'out'));
    const dest = join(dir, 'out/t');
    // Deep enough that the deepest directory fits in PATH_MAX but a 250-byte name below it does not.
    const levels = Math.floor((4095 - dest.length) / 201);
    const long = 'n'.repeat(250);
    await deepCommit(repo, levels, kind === 'dir' ? { files: [], dirs: [long] } : { files: [[long, kind === 'file' ? file : link]], dirs: [] });
    const messages = new Set<string>();
    for (const [, native] of CORES) {
      for (const threads of [1, 2]) {
        const error = await checkoutCommit(repo, 'deep', dest, { userMode: true, native, threads }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'Io', data: { errno: 'ENAMETOOLONG' } });
        const message = (error as Error).message;
        expect(message).toMatch(new RegExp(`^(creating directory|linking) ${dest}/d{200}/.*: ENAMETOOLONG: name too long, ${syscall} '`));
        messages.add(message);
        await rm(dest, { recursive: true, force: true });
      }
    }
    expect([...messages]).toHaveLength(1);
    expect(existsSync(join(dir, 'out/t'))).toBe(false);
  });
});

describe('dirtree objects read by the planner', () => {
  it.each([
    ['missing', 'NotFound', async (path: string) => rm(path)],
    ['corrupted', 'ChecksumMismatch', async (path: string) => writeFile(path, Buffer.alloc(64))],
    // A symlink to an intact copy: still refused (objects are never read through a symlink).
    ['symlinked', 'Corrupt', async (path: string, dir: string) => {
      await copyFile(path, join(dir, 'elsewhere'));
      await rm(path);
      await symlink(join(dir, 'elsewhere'), path);
    }],
  ] as const)('a %s subdirectory dirtree is the same %s error on both cores, with nothing written', async (_what, code, damage) => {
    const dir = await tempDir();
    const r = await ostreeBareUserSample(dir);
    const repo = await Repo.open(r);
    // `ostree ls -C -d`: mode, uid, gid, size, dirtree checksum, dirmeta checksum, path.
    const dirtree = ostree(['ls', `--repo=${r}`, '-C', '-d', 'main', '/usr/bin']).trim().split(/\s+/)[4]!;
    await damage(objectPath(repo, dirtree, 'dirtree'), dir);
    await mkdir(join(dir, 'out'));
    const messages = new Set<string>();
    for (const [, native] of CORES) {
      const error = await checkoutCommit(repo, 'main', join(dir, 'out/t'), { userMode: true, native, threads: 2 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code });
      messages.add((error as Error).message);
      expect(existsSync(join(dir, 'out/t'))).toBe(false);
    }
    expect([...messages]).toHaveLength(1);
  });
});
