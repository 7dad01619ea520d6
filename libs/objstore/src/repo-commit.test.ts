import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Repo, REPO_MODES } from './repo.js';
import { commitDirectory } from './repo-commit.js';
import { Variant } from './format/gvariant/value.js';
import { ostree, tempDir } from '../test/tmp.js';
import { makeSampleTree } from '../test/trees.js';

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
