import { join } from 'node:path';
import { KeyFile, Repo } from '@tsostree/objstore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitSample, ostree, removeTree, tempDir } from '../../test/sysroot-fixture.js';
import { derivedOrigin, parseRevision, resolveRevision } from './revision.js';

const C = 'c'.repeat(64);
let work: string;
let repo: Repo;
const commits: string[] = [];
beforeAll(async () => {
  work = await tempDir('cli-revision');
  const path = join(work, 'repo');
  await ostree('init', `--repo=${path}`, '--mode=bare-user');
  for (const v of ['1', '2', '3']) commits.push(await commitSample(work, path, 'os/stable', { version: v }));
  repo = await Repo.open(path);
});
afterAll(async () => {
  await removeTree(work);
});

describe('parseRevision', () => {
  it('follows rpm-ostree: revision=, version=, bare checksum, else a version', () => {
    expect(parseRevision(`revision=${C}`)).toEqual({ kind: 'checksum', value: C });
    expect(parseRevision(C)).toEqual({ kind: 'checksum', value: C });
    expect(parseRevision(`version=${C}`)).toEqual({ kind: 'version', value: C });
    expect(parseRevision('38.20230101.0')).toEqual({ kind: 'version', value: '38.20230101.0' });
  });
  it('refuses malformed checksums and empty versions', () => {
    for (const bad of ['revision=abc', 'revision=../x', 'version=', '', 'a\nb']) {
      expect(() => parseRevision(bad), bad).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    }
  });
});

describe('resolveRevision', () => {
  it('finds a version in the branch history and checks checksums exist', async () => {
    expect(await resolveRevision(repo, 'os/stable', { kind: 'version', value: '1' })).toBe(commits[0]);
    expect(await resolveRevision(repo, 'os/stable', { kind: 'version', value: '3' })).toBe(commits[2]);
    expect(await resolveRevision(repo, 'os/stable', { kind: 'checksum', value: commits[1]! })).toBe(commits[1]);
    await expect(resolveRevision(repo, 'os/stable', { kind: 'version', value: '9' })).rejects.toMatchObject({
      code: 'NotFound',
      message: 'Version 9 not found in os/stable',
    });
    await expect(resolveRevision(repo, 'os/stable', { kind: 'checksum', value: C })).rejects.toMatchObject({ code: 'NotFound' });
  });
});

describe('derivedOrigin', () => {
  it('drops pins, switches refspec and sets or clears override-commit', () => {
    const base = KeyFile.parse('[origin]\nrefspec=os/stable\noverride-commit=' + C + '\n\n[libostree-transient]\npinned=true\n');
    const up = derivedOrigin(base, { overrideCommit: null });
    expect(up.toString()).toBe('[origin]\nrefspec=os/stable\n');
    const re = derivedOrigin(base, { refspec: 'remote:os/next', overrideCommit: C });
    expect(re.getString('origin', 'refspec')).toBe('remote:os/next');
    expect(re.getString('origin', 'override-commit')).toBe(C);
    expect(base.hasGroup('libostree-transient')).toBe(true);
    expect(() => derivedOrigin(base, { refspec: 'bad ref' })).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});
