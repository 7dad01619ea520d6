import { lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Repo, REPO_MODES } from './repo.js';
import { commitDirectory } from './repo-commit.js';
import { checkoutCommit as checkoutWith, type CheckoutOptions } from './repo-checkout.js';
import { nativeLinkerProblem } from './checkout-native.js';
import { ostree, tempDir } from '../test/tmp.js';
import { makeSampleTree, ostreeBareUserSample } from '../test/trees.js';
import { snapshotTree } from '../test/snapshot.js';

const TS = 1577836800;

// Every checkout test runs on both link cores: the native one (native/checkout-link.c) and the
// JavaScript one it replaces when the addon is missing or a custom xattr port is set.
const CORES = [
  ['native', true],
  ['JavaScript', false],
] as const;

it('the native link core is built and loads (the `native` target runs before the tests)', () => {
  expect(nativeLinkerProblem()).toBeUndefined();
});

describe.each(CORES)('checkoutCommit (%s link core)', (_core, native) => {
  const checkoutCommit = (repo: Repo, rev: string, dest: string, opts: CheckoutOptions = {}) => checkoutWith(repo, rev, dest, { native, ...opts });

  it.each(REPO_MODES)('%s: our checkout of our commit equals the input; real ostree checkout of it too', async (mode) => {
    const dir = await tempDir();
    const tree = join(dir, 'tree');
    const xattrs = mode === 'bare' || mode === 'bare-user' || mode === 'archive';
    await makeSampleTree(tree, { xattrs: mode !== 'bare-user-only', suid: true });
    const repo = await Repo.init(join(dir, 'repo'), { mode });
    const { checksum } = await commitDirectory(repo, tree, { branch: 'main', timestamp: TS });
    const user = mode === 'bare-user-only';
    await checkoutCommit(repo, 'main', join(dir, 'ours'), { userMode: user });
    ostree(['checkout', `--repo=${join(dir, 'repo')}`, ...(user ? ['-U'] : []), checksum, join(dir, 'theirs')]);
    const opts = { owners: true, xattrs };
    const input = await snapshotTree(tree, opts);
    const expected = user ? input.map((l) => l.replace(/^f 4755/, 'f 755')) : input;
    expect(await snapshotTree(join(dir, 'ours'), opts)).toEqual(expected);
    expect(await snapshotTree(join(dir, 'theirs'), opts)).toEqual(expected);
  });

  it('hardlinks from bare-user in user mode and copies from archive', async () => {
    const dir = await tempDir();
    const tree = join(dir, 'tree');
    await makeSampleTree(tree);
    for (const mode of ['bare-user', 'archive'] as const) {
      const repo = await Repo.init(join(dir, mode), { mode });
      await commitDirectory(repo, tree, { branch: 'main', timestamp: TS });
      await checkoutCommit(repo, 'main', join(dir, `co-${mode}`), { userMode: true });
      const st = await lstat(join(dir, `co-${mode}`, 'usr/bin/tool'));
      expect(st.nlink).toBe(mode === 'archive' ? 1 : 2);
      expect((await lstat(join(dir, `co-${mode}`, 'etc/link'))).isSymbolicLink()).toBe(true);
    }
  });

  it.each([1, 2])('bare-user -U hardlink checkout with %i thread(s) equals real ostree checkout -U', async (threads) => {
    const dir = await tempDir();
    const r = await ostreeBareUserSample(dir, { suid: true });
    ostree(['checkout', `--repo=${r}`, '-U', 'main', join(dir, 'theirs')]);
    const progress: number[] = [];
    await checkoutCommit(await Repo.open(r), 'main', join(dir, 'ours'), { userMode: true, threads, onProgress: (e) => progress.push(e.files) });
    expect(await snapshotTree(join(dir, 'ours'), { owners: true })).toEqual(await snapshotTree(join(dir, 'theirs'), { owners: true }));
    expect((await lstat(join(dir, 'ours/usr/bin/tool'))).nlink).toBe(3);
    expect(progress.at(-1)).toBeGreaterThan(0);
  });

  it('checks out real ostree commits (every mode) like real ostree does', async () => {
    const dir = await tempDir();
    const tree = join(dir, 'tree');
    await makeSampleTree(tree, { suid: true });
    for (const mode of REPO_MODES) {
      const r = join(dir, `r-${mode}`);
      ostree(['init', `--repo=${r}`, `--mode=${mode}`]);
      ostree(['commit', `--repo=${r}`, '-b', 'main', tree]);
      const user = mode === 'bare-user-only';
      ostree(['checkout', `--repo=${r}`, ...(user ? ['-U'] : []), 'main', join(dir, `theirs-${mode}`)]);
      await checkoutCommit(await Repo.open(r), 'main', join(dir, `ours-${mode}`), { userMode: user });
      expect(await snapshotTree(join(dir, `ours-${mode}`), { owners: true })).toEqual(await snapshotTree(join(dir, `theirs-${mode}`), { owners: true }));
    }
  });

  it('supports --subpath and --union, refuses an existing target otherwise', async () => {
    const dir = await tempDir();
    const tree = join(dir, 'tree');
    await makeSampleTree(tree);
    const repo = await Repo.init(join(dir, 'repo'), { mode: 'archive' });
    await commitDirectory(repo, tree, { branch: 'main', timestamp: TS });
    await checkoutCommit(repo, 'main', join(dir, 'sub'), { subpath: '/usr/bin' });
    expect(await snapshotTree(join(dir, 'sub'))).toEqual(await snapshotTree(join(tree, 'usr/bin')));
    await expect(checkoutCommit(repo, 'main', join(dir, 'sub'))).rejects.toMatchObject({ code: 'Conflict' });
    await mkdir(join(dir, 'u/etc'), { recursive: true });
    await writeFile(join(dir, 'u/etc/secret'), 'old');
    await writeFile(join(dir, 'u/keep'), 'keep');
    await checkoutCommit(repo, 'main', join(dir, 'u'), { union: true });
    expect(await readFile(join(dir, 'u/etc/secret'), 'utf8')).toBe('secret\n');
    expect(await readFile(join(dir, 'u/keep'), 'utf8')).toBe('keep');
    await expect(checkoutCommit(repo, 'main', join(dir, 'x'), { subpath: 'nope' })).rejects.toMatchObject({ code: 'NotFound' });
    await expect(checkoutCommit(repo, 'main', join(dir, 'x'), { subpath: '../..' })).rejects.toMatchObject({ code: 'InvalidArgument' });
  });

  it('never writes through a symlink already in a union target', async () => {
    const dir = await tempDir();
    const tree = join(dir, 'tree');
    await makeSampleTree(tree);
    const repo = await Repo.init(join(dir, 'repo'), { mode: 'archive' });
    await commitDirectory(repo, tree, { branch: 'main', timestamp: TS });
    await mkdir(join(dir, 'outside'));
    await mkdir(join(dir, 'target'));
    await symlink(join(dir, 'outside'), join(dir, 'target/etc'));
    await expect(checkoutCommit(repo, 'main', join(dir, 'target'), { union: true })).rejects.toMatchObject({ code: 'Conflict' });
    expect(await snapshotTree(join(dir, 'outside'))).toEqual([]);
  });
});

describe.each(CORES)('checkoutCommit on hostile trees (%s link core)', (_core, native) => {
  const checkoutCommit = (repo: Repo, rev: string, dest: string, opts: CheckoutOptions = {}) => checkoutWith(repo, rev, dest, { native, ...opts });
  async function repoWithRawTree(files: [string, string][], dirs: [string, string, string][], mode: 'archive' | 'bare-user' = 'archive') {
    const { serializeGVariant } = await import('./format/gvariant/serialize.js');
    const { checksumToBytes } = await import('./format/checksum.js');
    const { serializeCommit } = await import('./format/commit.js');
    const { serializeDirMeta } = await import('./format/dirmeta.js');
    const { writeMetadataObject } = await import('./repo-objects.js');
    const { storeContent } = await import('./repo-content.js');
    const { writeRef } = await import('./repo-refs.js');
    const dir = await tempDir();
    const repo = await Repo.init(join(dir, 'repo'), { mode });
    const content = await storeContent(repo, { uid: 0, gid: 0, mode: 0o100644, symlinkTarget: '', xattrs: [] }, Buffer.from('evil'));
    const meta = await writeMetadataObject(repo, 'dirmeta', serializeDirMeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [] }));
    const raw = serializeGVariant('(a(say)a(sayay))', [
      files.map(([n]) => [n, checksumToBytes(content)]),
      dirs.map(([n]) => [n, checksumToBytes(meta), checksumToBytes(meta)]),
    ]);
    const tree = await writeMetadataObject(repo, 'dirtree', raw);
    const commit = await writeMetadataObject(
      repo,
      'commit',
      serializeCommit({ metadata: [], parent: null, related: [], subject: '', body: '', timestamp: 0, rootTree: tree, rootMeta: meta }),
    );
    await writeRef(repo, 'evil', commit);
    return { dir, repo };
  }

  it.each([
    ['a ../ name', [['../escaped', 'x']] as [string, string][]],
    ['a .. name', [['..', 'x']] as [string, string][]],
    ['an absolute name', [['/tmp/escaped', 'x']] as [string, string][]],
    ['duplicate entries', [['same', 'x'], ['same', 'x']] as [string, string][]],
    ['unsorted entries', [['b', 'x'], ['a', 'x']] as [string, string][]],
    ['an empty name', [['', 'x']] as [string, string][]],
  ])('refuses %s and writes nothing outside the target (archive copy and bare-user hardlink paths)', async (_what, files) => {
    for (const mode of ['archive', 'bare-user'] as const) {
      const { dir, repo } = await repoWithRawTree(files, [], mode);
      await mkdir(join(dir, 'out'));
      await expect(checkoutCommit(repo, 'evil', join(dir, 'out/target'), { userMode: mode === 'bare-user', threads: 2 })).rejects.toMatchObject({
        code: expect.stringMatching(/^(Corrupt|Parse)$/),
      });
      const { existsSync } = await import('node:fs');
      expect(existsSync(join(dir, 'out/escaped'))).toBe(false);
      expect(existsSync('/tmp/escaped')).toBe(false);
      expect(existsSync(join(dir, 'out/target'))).toBe(false);
    }
  });

  it('refuses a hostile subdirectory found after the link worker started, and writes nothing', async () => {
    const { serializeGVariant } = await import('./format/gvariant/serialize.js');
    const { checksumToBytes } = await import('./format/checksum.js');
    const { readMetadataObject, writeMetadataObject } = await import('./repo-objects.js');
    const { existsSync } = await import('node:fs');
    const { dir, repo } = await repoWithRawTree([['a', 'x']], [], 'bare-user');
    // A root with a file (the worker starts once a file is planned) and a subdirectory named `..`
    // two levels down, so planning fails after the worker was started.
    const { resolveRev, writeRef } = await import('./repo-refs.js');
    const { loadCommit } = await import('./repo-commit.js');
    const { serializeCommit } = await import('./format/commit.js');
    const { parseDirTree } = await import('./format/dirtree.js');
    const commit = await loadCommit(repo, (await resolveRev(repo, 'evil'))!);
    const file = parseDirTree(await readMetadataObject(repo, 'dirtree', commit.rootTree)).files[0]!.checksum;
    const raw = (files: [string, string][], dirs: [string, string][]) =>
      serializeGVariant('(a(say)a(sayay))', [
        files.map(([f, c]) => [f, checksumToBytes(c)]),
        dirs.map(([d, t]) => [d, checksumToBytes(t), checksumToBytes(commit.rootMeta)]),
      ]);
    const evil = await writeMetadataObject(repo, 'dirtree', raw([['x', file]], [['..', commit.rootTree]]));
    const mid = await writeMetadataObject(repo, 'dirtree', raw([], [['sub', evil]]));
    const root = await writeMetadataObject(repo, 'dirtree', raw([['a', file]], [['mid', mid]]));
    const c = await writeMetadataObject(repo, 'commit', serializeCommit({ metadata: [], parent: null, related: [], subject: '', body: '', timestamp: 0, rootTree: root, rootMeta: commit.rootMeta }));
    await writeRef(repo, 'evil2', c);
    await mkdir(join(dir, 'out'));
    await expect(checkoutCommit(repo, 'evil2', join(dir, 'out/target'), { userMode: true, threads: 2 })).rejects.toMatchObject({
      code: expect.stringMatching(/^(Corrupt|Parse)$/),
    });
    expect(existsSync(join(dir, 'out/target'))).toBe(false);
    expect(existsSync(join(dir, 'out/x'))).toBe(false);
  });

  it('a missing content object is NotFound on the two-thread hardlink path, and nothing is written outside', async () => {
    const { dir, repo } = await repoWithRawTree([['a', 'x']], [], 'bare-user');
    const { rm: remove, readdir } = await import('node:fs/promises');
    for (const sub of await readdir(join(dir, 'repo/objects'))) {
      for (const f of await readdir(join(dir, 'repo/objects', sub))) if (f.endsWith('.file')) await remove(join(dir, 'repo/objects', sub, f));
    }
    await mkdir(join(dir, 'out'));
    await expect(checkoutCommit(repo, 'evil', join(dir, 'out/target'), { userMode: true, threads: 2 })).rejects.toMatchObject({ code: 'NotFound' });
    expect(await readdir(join(dir, 'out'))).toEqual(['target']);
  });
});
