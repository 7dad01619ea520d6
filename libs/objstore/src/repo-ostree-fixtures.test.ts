/**
 * Repositories shipped by Debian's `ostree-tests` package (written by real ostree, some of them
 * hostile): we read, fsck and check them out with the same results as real ostree.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Repo } from './repo.js';
import { checkoutCommit } from './repo-checkout.js';
import { fsckRepo } from './repo-fsck.js';
import { listRefs } from './repo-refs.js';
import { listTree } from './repo-inspect.js';
import { ostree, run, tempDir } from '../test/tmp.js';
import { snapshotTree } from '../test/snapshot.js';

const DIR = ['/usr/libexec/installed-tests/libostree', '/usr/lib/installed-tests/libostree'].find((d) => existsSync(d));

async function extract(name: string): Promise<string> {
  if (!DIR) throw new Error('ostree-tests is not installed (tools/setup.sh installs it)');
  const dir = await tempDir('fixture-');
  execFileSync('tar', ['xf', join(DIR, name), '-C', dir]);
  return dir;
}

async function findRepo(root: string): Promise<string> {
  const walk = async (d: string): Promise<string | undefined> => {
    const entries = await readdir(d, { withFileTypes: true });
    if (entries.some((e) => e.name === 'config' && e.isFile()) && entries.some((e) => e.name === 'objects')) return d;
    for (const e of entries) if (e.isDirectory()) {
      const r = await walk(join(d, e.name));
      if (r) return r;
    }
    return undefined;
  };
  const r = await walk(root);
  if (!r) throw new Error(`no repository in ${root}`);
  return r;
}

describe('ostree-tests fixture repositories', () => {
  it.each(['pre-signed-pull-data.tar.gz', 'pre-endian-deltas-repo-little.tar.xz', 'pre-endian-deltas-repo-big.tar.xz'])(
    '%s: fsck, refs and checkout agree with real ostree',
    async (name) => {
      const root = await extract(name);
      const path = await findRepo(root);
      const repo = await Repo.open(path);
      const refs = await listRefs(repo);
      expect([...refs.keys()].sort()).toEqual(ostree(['refs', `--repo=${path}`]).split('\n').filter(Boolean).sort());
      const r = await fsckRepo(repo);
      expect(r.problems).toEqual([]);
      expect(ostree(['fsck', `--repo=${path}`])).toContain(`object fsck of ${r.commits} commits completed successfully`);
      for (const ref of refs.keys()) {
        const ours = join(root, `ours-${ref.replace(/\W/g, '_')}`);
        const theirs = join(root, `theirs-${ref.replace(/\W/g, '_')}`);
        await checkoutCommit(repo, ref, ours, { userMode: true });
        ostree(['checkout', `--repo=${path}`, '-U', ref, theirs]);
        expect(await snapshotTree(ours)).toEqual(await snapshotTree(theirs));
      }
    },
  );

  it('ostree-path-traverse.tar.gz: a dirtree naming ../afile is refused, nothing is written outside', async () => {
    const root = await extract('ostree-path-traverse.tar.gz');
    const path = await findRepo(root);
    const repo = await Repo.open(path);
    const r = await fsckRepo(repo);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ type: 'dirtree', code: 'Corrupt' });
    expect(run('ostree', ['fsck', `--repo=${path}`]).status).not.toBe(0);
    const target = join(root, 'deep', 'target');
    await (await import('node:fs/promises')).mkdir(join(root, 'deep'));
    await expect(checkoutCommit(repo, 'pathtraverse-test', target)).rejects.toMatchObject({ code: expect.stringMatching(/Corrupt|Parse/) });
    expect(existsSync(join(root, 'deep', 'afile'))).toBe(false);
    expect(existsSync(join(root, 'afile'))).toBe(false);
    const listing = async (): Promise<void> => {
      for await (const _ of listTree(repo, 'pathtraverse-test', '/', { recursive: true })) void _;
    };
    await expect(listing()).rejects.toMatchObject({ code: expect.stringMatching(/Corrupt|Parse/) });
  });
});
