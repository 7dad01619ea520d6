/**
 * ed25519 data made by real `ostree sign` (with libsodium): the pre-signed repository shipped in
 * ostree-tests (`pre-signed-pull-data.tar.gz`, signed on Fedora 32 with libsodium 1.0.18; Debian's
 * own ostree is built without libsodium, so this fixture is the real-ostree oracle for ed25519).
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignatureInvalidError } from '@tsostree/errors';
import { OSTREE_TESTS_DIR, tempRoot } from '../../test/sign-fixture.js';
import { objectPath } from '../repo-objects.js';
import { Repo } from '../repo.js';
import { ed25519VerifyCommit, readDetachedMetadata } from './commit-sign.js';
import { ED25519_METADATA_KEY, Ed25519SecretKey, generateEd25519Key } from './ed25519.js';
import { verifyCommitSignatures } from './remote-verify.js';
import { signaturesIn } from './signature-metadata.js';

const PUBKEY = '45yzbkuEok0lLabxzdAHWUDSMZgYfxU40sN+LMfYHVA=';
const COMMIT = 'c446da06d994d2e993fa508bd40eae1e392bdc101d02ac3783e0cf7633866b3c';
const tmp = tempRoot();
let upstream: string;

beforeAll(() => {
  execFileSync('tar', ['-xzf', join(OSTREE_TESTS_DIR, 'pre-signed-pull-data.tar.gz'), '-C', tmp.dir]);
  upstream = join(tmp.dir, 'repo');
});
afterAll(() => tmp.cleanup());

describe('ed25519 signatures made by real ostree sign (ostree-tests pre-signed-pull-data)', () => {
  it('verify with the published public key, and not with another', async () => {
    const repo = await Repo.open(upstream);
    const ok = await ed25519VerifyCommit(repo, 'testref', { publicKeys: [PUBKEY] });
    expect(ok).toMatchObject({ valid: true, commit: COMMIT });
    await expect(ed25519VerifyCommit(repo, 'testref', { publicKeys: [generateEd25519Key().publicKey] })).rejects.toThrow(
      /ed25519: Signature couldn't be verified with: key '[0-9a-f]{64}'/,
    );
  });

  it('our signature with the same secret key is byte-identical to libsodium’s', async () => {
    const repo = await Repo.open(upstream);
    const pem = Buffer.from(readFileSync(join(tmp.dir, 'key.b64'), 'utf8'), 'base64').toString('utf8');
    const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
    const key = Ed25519SecretKey.fromSeed(new Uint8Array(der.subarray(der.length - 32)));
    expect(key.publicKey.base64).toBe(PUBKEY);
    const theirs = signaturesIn(await readDetachedMetadata(repo, COMMIT), ED25519_METADATA_KEY);
    expect(theirs).toHaveLength(1);
    const ours = key.sign(new Uint8Array(readFileSync(objectPath(repo, COMMIT, 'commit'))));
    expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(theirs[0]!).toString('hex'));
  });

  it('pass the pull gate of a remote added like test-pre-signed-pull.sh (--sign-verify=ed25519=inline:KEY)', async () => {
    const repo = await Repo.open(upstream);
    const bytes = new Uint8Array(readFileSync(objectPath(repo, COMMIT, 'commit')));
    const meta = new Uint8Array(readFileSync(objectPath(repo, COMMIT, 'commitmeta')));
    const remote = { name: 'upstream', url: `file://${upstream}`, branches: [], options: { 'gpg-verify': 'false', 'sign-verify': 'ed25519', 'verification-ed25519-key': PUBKEY } };
    await expect(verifyCommitSignatures(repo, remote, COMMIT, bytes, meta)).resolves.toMatchObject({ required: true, checks: [{ type: 'ed25519', valid: true, key: PUBKEY }] });
    const bad = { ...remote, name: 'badupstream', options: { ...remote.options, 'verification-ed25519-key': generateEd25519Key().publicKey.base64 } };
    const err = await verifyCommitSignatures(repo, bad, COMMIT, bytes, meta).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignatureInvalidError);
    expect((err as Error).message).toMatch(/ed25519: Signature couldn't be verified with: key/);
  });
});
