import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, SignatureInvalidError } from '@tsostree/errors';
import {
  copyGpgHome,
  gpgExport,
  killGpgAgent,
  opensslEd25519,
  opensslSign,
  opensslVerify,
  revokedKeyring,
  sh,
  shStatus,
  tempRoot,
  testPublicKeyring,
  testSecretKeyring,
  TEST_GPG_KEYFPR_1,
  TEST_GPG_KEYID_1,
  TEST_GPG_KEYID_2,
} from '../../test/sign-fixture.js';
import { formatGVariantText } from '../format/gvariant/text.js';
import { serializeVarDict, variantByteArrays, variantString } from '../format/metadata.js';
import { objectPath, readCommitMeta, writeCommitMeta } from '../repo-objects.js';
import { Repo } from '../repo.js';
import { ED25519_METADATA_KEY, Ed25519SecretKey, generateEd25519Key } from './ed25519.js';
import { ed25519KeyBaseDirs } from './ed25519-keys.js';
import { ed25519SignCommit, ed25519VerifyCommit, gpgDeleteCommitSignatures, gpgSignCommit, gpgVerifyCommit, readDetachedMetadata } from './commit-sign.js';
import { findGpgSecretKey, GPG_METADATA_KEY, readGpgPublicKeys, readGpgSecretKeys } from './gpg.js';
import { signaturesIn } from './signature-metadata.js';

const tmp = tempRoot();
let home: string;
let n = 0;

beforeAll(() => {
  home = copyGpgHome(tmp.dir);
});
afterAll(() => {
  killGpgAgent(home);
  tmp.cleanup();
});

/** A fresh archive repo with one commit made by real ostree; returns its path and checksum. */
function ostreeRepo(): { path: string; commit: string } {
  const dir = join(tmp.dir, `r${n++}`);
  const tree = join(dir, 'tree');
  mkdirSync(tree, { recursive: true });
  writeFileSync(join(tree, 'file'), `content ${n}\n`);
  const path = join(dir, 'repo');
  sh('ostree', ['init', `--repo=${path}`, '--mode=archive']);
  const commit = sh('ostree', [`--repo=${path}`, 'commit', '-b', 'main', '-s', 'subject', '--add-detached-metadata-string=note=kept', tree]).trim();
  return { path, commit };
}

const pullLocalVerified = (src: string, keyring: Uint8Array): { status: number; stderr: string } => {
  const dst = join(tmp.dir, `client${n++}`);
  sh('ostree', ['init', `--repo=${dst}`, '--mode=archive']);
  sh('ostree', [`--repo=${dst}`, 'remote', 'add', 'origin', `file://${src}`]);
  const k = join(tmp.dir, `keyring${n++}.gpg`);
  writeFileSync(k, keyring);
  sh('ostree', [`--repo=${dst}`, 'remote', 'gpg-import', 'origin', '-k', k]);
  return shStatus('ostree', [`--repo=${dst}`, 'pull-local', '--remote=origin', '--gpg-verify', src, 'main']);
};

describe('OpenPGP commit signatures vs real ostree (ostree-tests keys)', () => {
  it('a signature made by real `ostree gpg-sign` verifies in tsostree', async () => {
    const { path, commit } = ostreeRepo();
    sh('ostree', [`--repo=${path}`, 'gpg-sign', `--gpg-homedir=${home}`, 'main', TEST_GPG_KEYID_1]);
    const repo = await Repo.open(path);
    const { checks } = await gpgVerifyCommit(repo, 'main', await readGpgPublicKeys(testPublicKeyring()));
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ valid: true, keyId: TEST_GPG_KEYID_1, fingerprint: TEST_GPG_KEYFPR_1 });
    expect(checks[0]!.message).toBe('Good signature from "Ostree Tester <test@test.com>"');
    // the other detached metadata survives next to the signatures
    expect((await readDetachedMetadata(repo, commit))!.map(([k]) => k).sort()).toEqual(['note', 'ostree.gpgsigs']);
  });

  it('a signature made by tsostree verifies in real ostree (pull-local --gpg-verify, show --gpg-homedir)', async () => {
    const { path, commit } = ostreeRepo();
    const repo = await Repo.open(path);
    const key = findGpgSecretKey(await readGpgSecretKeys(testSecretKeyring()), TEST_GPG_KEYID_1);
    expect(await gpgSignCommit(repo, 'main', [key])).toBe(commit);
    const shown = sh('ostree', [`--repo=${path}`, 'show', `--gpg-homedir=${join(home, 'trusted')}`, 'main']);
    expect(shown).toContain(`using RSA key ID ${TEST_GPG_KEYID_1}`);
    expect(shown).toContain('Good signature from "Ostree Tester <test@test.com>"');
    expect(pullLocalVerified(path, testPublicKeyring()).status).toBe(0);
    // real ostree refuses it when the key is not trusted
    const only2 = gpgExport(home, TEST_GPG_KEYID_2);
    const refused = pullLocalVerified(path, only2);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('public key not found');
    // ostree keeps the detached metadata it did not write
    expect(sh('ostree', [`--repo=${path}`, 'show', 'main', '--print-detached-metadata-key=note'])).toContain("'kept'");
  });

  it('keys exported by `gpg --export-secret-keys` sign too; signing twice with one key is refused like ostree', async () => {
    const { path } = ostreeRepo();
    const repo = await Repo.open(path);
    const keys = await readGpgSecretKeys(gpgExport(home, TEST_GPG_KEYID_2, true));
    await gpgSignCommit(repo, 'main', [findGpgSecretKey(keys, TEST_GPG_KEYID_2)]);
    await expect(gpgSignCommit(repo, 'main', [findGpgSecretKey(keys, TEST_GPG_KEYID_2)])).rejects.toBeInstanceOf(ConflictError);
    sh('ostree', [`--repo=${path}`, 'gpg-sign', `--gpg-homedir=${home}`, 'main', TEST_GPG_KEYID_1]);
    const { checks } = await gpgVerifyCommit(repo, 'main', await readGpgPublicKeys(testPublicKeyring()));
    expect(checks.map((c) => [c.keyId, c.valid])).toEqual([
      [TEST_GPG_KEYID_2, true],
      [TEST_GPG_KEYID_1, true],
    ]);
    expect(await gpgDeleteCommitSignatures(repo, 'main', [TEST_GPG_KEYID_2.slice(8)])).toBe(1);
    const after = await gpgVerifyCommit(repo, 'main', await readGpgPublicKeys(testPublicKeyring()));
    expect(after.checks.map((c) => c.keyId)).toEqual([TEST_GPG_KEYID_1]);
    expect(sh('ostree', [`--repo=${path}`, 'show', `--gpg-homedir=${join(home, 'trusted')}`, 'main'])).toContain('Found 1 signature');
  });

  it('wrong key, revoked key, truncated and garbage signatures are invalid checks, never crashes', async () => {
    const { path, commit } = ostreeRepo();
    const repo = await Repo.open(path);
    sh('ostree', [`--repo=${path}`, 'gpg-sign', `--gpg-homedir=${home}`, 'main', TEST_GPG_KEYID_1]);
    const only2 = await readGpgPublicKeys(gpgExport(home, TEST_GPG_KEYID_2));
    expect((await gpgVerifyCommit(repo, 'main', only2)).checks[0]).toMatchObject({ valid: false, keyId: TEST_GPG_KEYID_1, message: 'public key not found' });
    const revoked = await readGpgPublicKeys(revokedKeyring(tmp.dir, 1));
    const r = (await gpgVerifyCommit(repo, 'main', revoked)).checks[0]!;
    expect(r.valid).toBe(false);
    expect(r.message).toMatch(/revoked/i);
    // real ostree agrees the revoked key is not good
    expect(pullLocalVerified(path, revokedKeyring(tmp.dir, 1)).status).not.toBe(0);

    const sig = signaturesIn(await readDetachedMetadata(repo, commit), GPG_METADATA_KEY)[0]!;
    const bad = [sig.subarray(0, sig.length - 7), sig.subarray(0, 3), new Uint8Array(0), new Uint8Array(300).fill(0xa5), Uint8Array.from(sig).fill(0, 40, 80)];
    await writeCommitMeta(repo, commit, serializeVarDict([['ostree.gpgsigs', variantByteArrays(bad)]]));
    const checks = (await gpgVerifyCommit(repo, 'main', await readGpgPublicKeys(testPublicKeyring()))).checks;
    expect(checks.length).toBeGreaterThanOrEqual(bad.length);
    expect(checks.every((c) => !c.valid)).toBe(true);
    // a commit object changed after signing: BAD signature
    await writeCommitMeta(repo, commit, serializeVarDict([['ostree.gpgsigs', variantByteArrays([sig])]]));
    const other = ostreeRepo();
    const otherRepo = await Repo.open(other.path);
    await writeCommitMeta(otherRepo, other.commit, serializeVarDict([['ostree.gpgsigs', variantByteArrays([sig])]]));
    const moved = (await gpgVerifyCommit(otherRepo, 'main', await readGpgPublicKeys(testPublicKeyring()))).checks[0]!;
    expect(moved).toMatchObject({ valid: false, keyId: TEST_GPG_KEYID_1 });
    // garbage detached metadata: a typed error
    writeFileSync(objectPath(repo, commit, 'commitmeta'), Buffer.from([1, 2, 3, 4, 5, 6, 7]));
    await expect(gpgVerifyCommit(repo, 'main', [])).rejects.toBeInstanceOf(SignatureInvalidError);
  });
});

describe('ed25519 commit signatures (`ostree sign` format)', () => {
  it('signs exactly like libsodium/OpenSSL, appends under ostree.sign.ed25519 and real ostree reads it', async () => {
    const { path, commit } = ostreeRepo();
    const repo = await Repo.open(path);
    const k = opensslEd25519(tmp.dir, `k${n++}`);
    const other = generateEd25519Key();
    await ed25519SignCommit(repo, 'main', [k.secret]);
    await ed25519SignCommit(repo, commit, [other]);
    const commitFile = objectPath(repo, commit, 'commit');
    const sigs = signaturesIn(await readDetachedMetadata(repo, commit), ED25519_METADATA_KEY);
    expect(sigs).toHaveLength(2);
    expect(Buffer.from(sigs[0]!).equals(Buffer.from(opensslSign(k.pem, commitFile)))).toBe(true);
    expect(opensslVerify(tmp.dir, k.pem, commitFile, sigs[0]!)).toBe(true);
    const printed = sh('ostree', [`--repo=${path}`, 'show', commit, `--print-detached-metadata-key=${ED25519_METADATA_KEY}`]);
    expect(printed.trim()).toBe(formatGVariantText('aay', sigs));
    expect(sh('ostree', [`--repo=${path}`, 'show', commit, '--print-detached-metadata-key=note'])).toContain("'kept'");
    expect(sh('ostree', [`--repo=${path}`, 'fsck'])).toContain('Validating refs');

    const ok = await ed25519VerifyCommit(repo, 'main', { publicKeys: [generateEd25519Key().publicKey, k.public] });
    expect(ok.message).toMatch(/^ed25519: Signature verified successfully with key '[0-9a-f]{64}'$/);
  });

  it('verifies OpenSSL-made signatures (what libsodium makes) from key args, key files and key dirs; revoked keys fail', async () => {
    const { path, commit } = ostreeRepo();
    const repo = await Repo.open(path);
    const k = opensslEd25519(tmp.dir, `k${n++}`);
    const sig = opensslSign(k.pem, objectPath(repo, commit, 'commit'));
    await writeCommitMeta(repo, commit, serializeVarDict([[ED25519_METADATA_KEY, variantByteArrays([sig])]]));
    await expect(ed25519VerifyCommit(repo, 'main', { publicKeys: [k.public] })).resolves.toMatchObject({ valid: true, commit });
    const keysFile = join(tmp.dir, `pub${n++}`);
    writeFileSync(keysFile, Array.from({ length: 10 }, () => generateEd25519Key().publicKey.base64).join('\n') + '\n');
    await expect(ed25519VerifyCommit(repo, 'main', { keysFile })).rejects.toThrow("ed25519: Signature couldn't be verified; tried 10 keys");
    writeFileSync(keysFile, `${readFileSync(keysFile, 'utf8')}${k.public}\n`);
    await expect(ed25519VerifyCommit(repo, 'main', { keysFile })).resolves.toMatchObject({ valid: true });

    const root = join(tmp.dir, `root${n++}`);
    const [etc] = ed25519KeyBaseDirs(root);
    mkdirSync(join(etc!, 'trusted.ed25519.d'), { recursive: true });
    await expect(ed25519VerifyCommit(repo, 'main', { keysDirs: ed25519KeyBaseDirs(root) })).rejects.toBeInstanceOf(SignatureInvalidError);
    writeFileSync(join(etc!, 'trusted.ed25519.d', 'correct'), `${k.public}\n`);
    await expect(ed25519VerifyCommit(repo, 'main', { keysDirs: ed25519KeyBaseDirs(root) })).resolves.toMatchObject({ valid: true });
    mkdirSync(join(etc!, 'revoked.ed25519.d'));
    writeFileSync(join(etc!, 'revoked.ed25519.d', 'correct'), `${k.public}\n`);
    await expect(ed25519VerifyCommit(repo, 'main', { keysDirs: ed25519KeyBaseDirs(root) })).rejects.toThrow(/revoked/);
  });

  it('unsigned, wrongly signed, truncated and garbage signature data → SignatureInvalidError', async () => {
    const { path, commit } = ostreeRepo();
    const repo = await Repo.open(path);
    const k = Ed25519SecretKey.from(opensslEd25519(tmp.dir, `k${n++}`).secret);
    await expect(ed25519VerifyCommit(repo, 'main', { publicKeys: [k.publicKey] })).rejects.toThrow('ed25519: no signatures found');
    await ed25519SignCommit(repo, 'main', [generateEd25519Key()]);
    await expect(ed25519VerifyCommit(repo, 'main', { publicKeys: [k.publicKey] })).rejects.toBeInstanceOf(SignatureInvalidError);
    const good = k.sign(new Uint8Array(readFileSync(objectPath(repo, commit, 'commit'))));
    for (const sigs of [[good.subarray(0, 63)], [new Uint8Array(64)], [new Uint8Array(0)], [Uint8Array.from([...good, 0])]]) {
      await writeCommitMeta(repo, commit, serializeVarDict([[ED25519_METADATA_KEY, variantByteArrays(sigs)]]));
      await expect(ed25519VerifyCommit(repo, 'main', { publicKeys: [k.publicKey] })).rejects.toBeInstanceOf(SignatureInvalidError);
    }
    // wrong type under the key counts as unsigned
    await writeCommitMeta(repo, commit, serializeVarDict([[ED25519_METADATA_KEY, variantString('x')]]));
    await expect(ed25519VerifyCommit(repo, 'main', { publicKeys: [k.publicKey] })).rejects.toThrow('no signatures found');
    // truncated .commitmeta
    const full = serializeVarDict([[ED25519_METADATA_KEY, variantByteArrays([good])]]);
    await writeCommitMeta(repo, commit, full.subarray(0, full.length - 5));
    await expect(ed25519VerifyCommit(repo, 'main', { publicKeys: [k.publicKey] })).rejects.toBeInstanceOf(SignatureInvalidError);
    await writeCommitMeta(repo, commit, full);
    await expect(ed25519VerifyCommit(repo, 'main', { publicKeys: [k.publicKey] })).resolves.toMatchObject({ valid: true });
    expect(await readCommitMeta(repo, commit)).toBeDefined();
  });
});
