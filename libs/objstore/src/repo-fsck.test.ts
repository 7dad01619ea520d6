import { readdir, rm, truncate, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Repo, REPO_MODES } from './repo.js';
import { commitDirectory, loadCommit } from './repo-commit.js';
import { fsckRepo } from './repo-fsck.js';
import { pruneRepo } from './repo-prune.js';
import { objectPath } from './repo-objects.js';
import { writeRef } from './repo-refs.js';
import { traverseDirTree } from './repo-traverse.js';
import { ostree, run, tempDir } from '../test/tmp.js';
import { makeSampleTree } from '../test/trees.js';

const TS = 1577836800;

async function setup(mode: (typeof REPO_MODES)[number]) {
  const dir = await tempDir();
  await makeSampleTree(join(dir, 'tree'));
  const repo = await Repo.init(join(dir, 'repo'), { mode });
  const c = await commitDirectory(repo, join(dir, 'tree'), { branch: 'main', timestamp: TS });
  return { dir, repo, commit: c.checksum };
}

/** Content checksum of a committed path, via real ostree. */
function fileChecksum(repoPath: string, path: string): string {
  return ostree(['rev-parse', `--repo=${repoPath}`, 'main']) && ostree(['ls', `--repo=${repoPath}`, '-C', 'main', path]).trim().split(/\s+/)[4]!;
}

describe('fsckRepo', () => {
  it.each(REPO_MODES)('%s: a clean repository has no problems', async (mode) => {
    const { repo } = await setup(mode);
    const r = await fsckRepo(repo);
    expect(r.problems).toEqual([]);
    expect(r.commits).toBe(1);
    expect(r.objects).toBeGreaterThan(10);
  });

  it.each(['archive', 'bare-user'] as const)('%s: names each corrupted object with a distinct code', async (mode) => {
    const { repo, commit } = await setup(mode);
    const flipped = fileChecksum(repo.path, '/usr/bin/tool');
    const truncated = fileChecksum(repo.path, '/usr/lib/big.bin');
    const deleted = fileChecksum(repo.path, '/etc/secret');
    const flip = async (p: string, at: number) => {
      const b = await readFile(p);
      b[at]! ^= 0xff;
      await writeFile(p, b);
    };
    await flip(objectPath(repo, flipped, 'file'), (await readFile(objectPath(repo, flipped, 'file'))).length - 3);
    await truncate(objectPath(repo, truncated, 'file'), 1000);
    await rm(objectPath(repo, deleted, 'file'));
    const r = await fsckRepo(repo);
    const byChecksum = new Map(r.problems.map((p) => [p.checksum, p]));
    expect(byChecksum.get(flipped)).toMatchObject({ type: 'file', code: 'ChecksumMismatch', commits: [commit] });
    expect(byChecksum.get(truncated)).toMatchObject({ type: 'file', code: mode === 'archive' ? 'Corrupt' : 'ChecksumMismatch' });
    expect(byChecksum.get(deleted)).toMatchObject({ type: 'file', code: 'NotFound', kind: 'missing' });
    expect(r.problems).toHaveLength(3);
    // Real ostree agrees the repository is corrupt.
    expect(run('ostree', ['fsck', `--repo=${repo.path}`]).status).not.toBe(0);
    const d = await fsckRepo(repo, { delete: true });
    expect(d.partialCommits).toEqual([commit]);
    const again = await fsckRepo(repo);
    expect(again.skippedPartial).toEqual([commit]);
  });

  it('reports corrupt metadata objects (dirtree flipped, commit deleted)', async () => {
    const { repo, dir } = await setup('archive');
    const objs = join(repo.path, 'objects');
    const trees: string[] = [];
    for (const fan of await readdir(objs)) for (const f of await readdir(join(objs, fan))) if (f.endsWith('.dirtree')) trees.push(join(objs, fan, f));
    const b = await readFile(trees[0]!);
    b[0]! ^= 1;
    await writeFile(trees[0]!, b);
    const r = await fsckRepo(repo);
    expect(r.problems.some((p) => p.type === 'dirtree' && p.code === 'ChecksumMismatch')).toBe(true);
    // A ref to a missing commit.
    await writeRef(repo, 'ghost', 'c'.repeat(64));
    const g = await fsckRepo(repo);
    expect(g.problems.find((p) => p.checksum === 'c'.repeat(64))).toMatchObject({ type: 'commit', code: 'NotFound' });
    expect(dir).toBeTruthy();
  });
});

describe('pruneRepo', () => {
  it('deletes unreachable objects like ostree prune, and real fsck still passes', async () => {
    const { dir, repo, commit } = await setup('archive');
    await makeSampleTree(join(dir, 'tree2'));
    await writeFile(join(dir, 'tree2/new'), 'new file');
    const second = await commitDirectory(repo, join(dir, 'tree2'), { branch: 'main', timestamp: TS + 10 });
    const other = await commitDirectory(repo, join(dir, 'tree2'), { branch: 'other', timestamp: TS + 20, subject: 'x' });
    await writeRef(repo, 'other', null);
    const copy = join(dir, 'copy');
    await (await import('node:fs/promises')).cp(repo.path, copy, { recursive: true });
    const dry = await pruneRepo(repo, { refsOnly: true, noPrune: true });
    expect(dry).toMatchObject({ deleted: 1, dryRun: true });
    expect(ostree(['prune', `--repo=${copy}`, '--refs-only', '--no-prune'])).toContain(`Would delete: ${dry.deleted} objects, freeing ${dry.freedBytes} bytes`);
    const r = await pruneRepo(repo, { refsOnly: true });
    expect(ostree(['prune', `--repo=${copy}`, '--refs-only'])).toContain(`Deleted ${r.deleted} objects, ${r.freedBytes} bytes freed`);
    expect(r.totalObjects).toBeGreaterThan(r.deleted);
    const depth0 = await pruneRepo(repo, { refsOnly: true, depth: 0 });
    expect(ostree(['prune', `--repo=${copy}`, '--refs-only', '--depth=0'])).toContain(`Deleted ${depth0.deleted} objects, ${depth0.freedBytes} bytes freed`);
    expect(ostree(['fsck', `--repo=${repo.path}`])).toContain('no errors found');
    expect((await fsckRepo(repo)).problems).toEqual([]);
    expect(other.checksum).not.toBe(second.checksum);
    await expect(pruneRepo(repo, { deleteCommit: second.checksum })).rejects.toMatchObject({ code: 'Conflict' });
    expect(commit).toBeTruthy();
  });

  it.each([
    { name: 'refs-only', opts: { refsOnly: true }, args: ['--refs-only'] },
    { name: 'refs-only depth 0', opts: { refsOnly: true, depth: 0 }, args: ['--refs-only', '--depth=0'] },
    { name: 'refs-only depth 1', opts: { refsOnly: true, depth: 1 }, args: ['--refs-only', '--depth=1'] },
    { name: 'every commit', opts: {}, args: [] },
    { name: 'bare-user, refs-only depth 0', opts: { refsOnly: true, depth: 0 }, args: ['--refs-only', '--depth=0'], mode: 'bare-user' as const },
    { name: 'bare-user, every commit', opts: {}, args: [], mode: 'bare-user' as const },
  ])('$name: keeps exactly what ostree keeps when refs share history and trees', async ({ opts, args, mode }) => {
    const { dir, repo } = await setup(mode ?? 'archive');
    const commits: string[] = [];
    for (let i = 1; i <= 4; i++) {
      await writeFile(join(dir, 'tree', `version-${i}`), `v${i}`);
      commits.push((await commitDirectory(repo, join(dir, 'tree'), { branch: 'main', timestamp: TS + i })).checksum);
    }
    await writeRef(repo, 'old', commits[1]!); // a ref in the middle of main's history
    await writeRef(repo, 'main', commits[3]!);
    const copy = join(dir, 'copy');
    await (await import('node:fs/promises')).cp(repo.path, copy, { recursive: true });
    const r = await pruneRepo(repo, opts);
    const theirs = ostree(['prune', `--repo=${copy}`, ...args]);
    expect(r.deleted === 0 ? theirs : /Deleted (\d+) objects/.exec(theirs)?.[1]).toBe(r.deleted === 0 ? 'Total objects: 32\nNo unreachable objects\n' : String(r.deleted));
    const objects = async (path: string) => (await readdir(join(path, 'objects'), { recursive: true })).filter((f) => f.includes('.')).sort();
    expect(await objects(repo.path)).toEqual(await objects(copy));
  });

  it('with a known-reachable set of tree walks, deletes exactly what a prune without it deletes', async () => {
    const { dir, repo } = await setup('archive');
    const commits: string[] = [];
    for (let i = 1; i <= 3; i++) {
      await writeFile(join(dir, 'tree', `version-${i}`), `v${i}`);
      commits.push((await commitDirectory(repo, join(dir, 'tree'), { branch: 'main', timestamp: TS + i })).checksum);
    }
    await writeRef(repo, 'old', commits[0]!);
    const copy = join(dir, 'copy');
    await (await import('node:fs/promises')).cp(repo.path, copy, { recursive: true });
    const plain = await pruneRepo(await Repo.open(copy), { refsOnly: true, depth: 0 });
    // The trees of the two ref targets, walked beforehand (what a sysroot deploy passes).
    const seed = new Set<string>();
    for (const c of [commits[2]!, commits[0]!]) {
      const commit = await loadCommit(repo, c);
      await traverseDirTree(repo, commit.rootTree, commit.rootMeta, seed);
    }
    const seeded = await pruneRepo(repo, { refsOnly: true, depth: 0, reachable: seed });
    expect(seeded).toEqual(plain);
    expect(plain.deleted).toBeGreaterThan(0);
    const objects = async (path: string) => (await readdir(join(path, 'objects'), { recursive: true })).filter((f) => f.includes('.')).sort();
    expect(await objects(repo.path)).toEqual(await objects(copy));
    await expect(pruneRepo(repo, { reachable: new Set([`${commits[1]!}.commit`]) })).rejects.toMatchObject({ code: 'InvalidArgument' });
  });

  it('waits for a concurrent commit holding the shared lock', async () => {
    const { repo } = await setup('archive');
    const { lockRepo } = await import('./repo-lock.js');
    const shared = await lockRepo(repo.path, 'shared');
    let pruned = false;
    const p = pruneRepo(repo).then(() => {
      pruned = true;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(pruned).toBe(false);
    await shared.release();
    await p;
    expect(pruned).toBe(true);
  });
});
