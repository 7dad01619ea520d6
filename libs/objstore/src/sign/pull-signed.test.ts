/**
 * The pull gate end to end (pullRemote over a file:// remote): a remote that requires signatures
 * also checks commits that are already in the repository, like ostree.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignatureInvalidError } from '@tsostree/errors';
import { copyGpgHome, killGpgAgent, sh, tempRoot, TEST_GPG_KEYID_1 } from '../../test/sign-fixture.js';
import { pullRemote } from '../pull/repo-pull.js';
import { addRemote } from '../repo-remotes.js';
import { Repo } from '../repo.js';

const tmp = tempRoot();
let home: string;
beforeAll(() => {
  home = copyGpgHome(tmp.dir);
});
afterAll(() => {
  killGpgAgent(home);
  tmp.cleanup();
});

describe('pull through a remote that requires signatures', () => {
  it('refuses a present but unverified commit before the ref moves (as real ostree does)', async () => {
    const server = join(tmp.dir, 'server');
    mkdirSync(join(tmp.dir, 'tree'));
    writeFileSync(join(tmp.dir, 'tree/f'), 'x\n');
    sh('ostree', ['init', `--repo=${server}`, '--mode=archive']);
    sh('ostree', [`--repo=${server}`, 'commit', '-b', 'main', join(tmp.dir, 'tree')]);
    sh('ostree', [`--repo=${server}`, 'gpg-sign', `--gpg-homedir=${home}`, 'main', TEST_GPG_KEYID_1]);

    // Real ostree: pulling through B after A refuses (the oracle for the behaviour below).
    const theirs = join(tmp.dir, 'theirs');
    sh('ostree', ['init', `--repo=${theirs}`, '--mode=archive']);
    sh('ostree', [`--repo=${theirs}`, 'remote', 'add', '--no-gpg-verify', 'A', `file://${server}`]);
    sh('ostree', [`--repo=${theirs}`, 'pull', 'A', 'main']);
    sh('ostree', [`--repo=${theirs}`, 'remote', 'add', 'B', `file://${server}`]);
    expect(() => sh('ostree', [`--repo=${theirs}`, 'pull', 'B', 'main'])).toThrow(/public key not found/);
    expect(existsSync(join(theirs, 'refs/remotes/B/main'))).toBe(false);

    const repo = await Repo.init(join(tmp.dir, 'ours'), { mode: 'archive' });
    await addRemote(repo, 'A', `file://${server}`, { noGpgVerify: true });
    await addRemote(repo, 'B', `file://${server}`);
    await pullRemote(repo, 'A', { refs: ['main'] });
    await expect(pullRemote(repo, 'B', { refs: ['main'] })).rejects.toBeInstanceOf(SignatureInvalidError);
    expect(existsSync(join(repo.path, 'refs/remotes/B/main'))).toBe(false);
    // with the key trusted, the present commit passes
    sh('ostree', [`--repo=${repo.path}`, 'remote', 'gpg-import', 'B', '-k', join(home, 'trusted/pubring.gpg')]);
    await pullRemote(await Repo.open(repo.path), 'B', { refs: ['main'] });
    expect(existsSync(join(repo.path, 'refs/remotes/B/main'))).toBe(true);
  });
});
