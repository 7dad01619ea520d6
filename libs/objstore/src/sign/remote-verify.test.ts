import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChecksumMismatchError, InvalidArgumentError, SignatureInvalidError, UnsupportedError } from '@tsostree/errors';
import {
  copyGpgHome,
  gpgExport,
  killGpgAgent,
  OSTREE_TESTS_DIR,
  opensslEd25519,
  opensslVerify,
  revokedKeyring,
  sh,
  shStatus,
  tempRoot,
  testPublicKeyring,
  testSecretKeyring,
  TEST_GPG_KEYID_1,
  TEST_GPG_KEYID_2,
} from '../../test/sign-fixture.js';
import { serializeVarDict, variantByteArrays } from '../format/metadata.js';
import { readCommitMeta } from '../repo-objects.js';
import { getRemote, type Remote } from '../repo-remotes.js';
import { updateSummary } from '../repo-summary.js';
import { Repo } from '../repo.js';
import { ed25519SignCommit, gpgSignCommit } from './commit-sign.js';
import { Ed25519SecretKey, generateEd25519Key } from './ed25519.js';
import { ed25519KeyBaseDirs } from './ed25519-keys.js';
import { findGpgSecretKey, readGpgSecretKeys } from './gpg.js';
import { remoteSignaturePolicy, verifyCommitSignatures, verifySummarySignatures } from './remote-verify.js';
import { parseSignatureMetadata, signaturesIn } from './signature-metadata.js';
import { readSummarySignatures, signSummary } from './summary-sign.js';

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

const remote = (options: Record<string, string>): Remote => ({ name: 'origin', url: 'http://127.0.0.1/repo', branches: [], options: { url: 'http://127.0.0.1/repo', ...options } });

/** A server repo with one commit by real ostree, and a client repo with remote "origin". */
async function setup(): Promise<{ server: string; client: Repo; clientPath: string; commit: string; bytes: Uint8Array }> {
  const dir = join(tmp.dir, `s${n++}`);
  const tree = join(dir, 'tree');
  mkdirSync(tree, { recursive: true });
  writeFileSync(join(tree, 'f'), `x${n}\n`);
  const server = join(dir, 'server');
  sh('ostree', ['init', `--repo=${server}`, '--mode=archive']);
  const commit = sh('ostree', [`--repo=${server}`, 'commit', '-b', 'main', '-s', 's', tree]).trim();
  const clientPath = join(dir, 'client');
  sh('ostree', ['init', `--repo=${clientPath}`, '--mode=bare-user']);
  sh('ostree', [`--repo=${clientPath}`, 'remote', 'add', 'origin', `file://${server}`]);
  const client = await Repo.open(clientPath);
  const bytes = new Uint8Array(readFileSync(join(server, 'objects', commit.slice(0, 2), `${commit.slice(2)}.commit`)));
  return { server, client, clientPath, commit, bytes };
}

const commitmeta = async (server: string, commit: string): Promise<Uint8Array | undefined> => readCommitMeta(await Repo.open(server), commit);

describe('remote signature policy', () => {
  it('reads gpg-verify (default on), gpg-verify-summary, sign-verify(-summary) like ostree', () => {
    expect(remoteSignaturePolicy(undefined)).toEqual({ gpgVerify: false, gpgVerifySummary: false, signVerify: null, signVerifySummary: null });
    expect(remoteSignaturePolicy(remote({}))).toMatchObject({ gpgVerify: true, gpgVerifySummary: false, signVerify: null });
    const p = remoteSignaturePolicy(remote({ 'gpg-verify': 'false', 'gpg-verify-summary': '1', 'sign-verify': 'true', 'sign-verify-summary': 'ed25519;' }));
    expect(p).toEqual({ gpgVerify: false, gpgVerifySummary: true, signVerify: { types: ['ed25519'], explicit: false }, signVerifySummary: { types: ['ed25519'], explicit: true } });
    expect(remoteSignaturePolicy(remote({ 'sign-verify': 'false' })).signVerify).toBeNull();
    // `ostree remote add --sign-verify=ed25519=inline:KEY` writes a comma-joined list
    expect(remoteSignaturePolicy(remote({ 'sign-verify': 'ed25519,ed25519' })).signVerify).toEqual({ types: ['ed25519', 'ed25519'], explicit: true });
    expect(() => remoteSignaturePolicy(remote({ 'sign-verify': 'spki' }))).toThrow(UnsupportedError);
    expect(() => remoteSignaturePolicy(remote({ 'gpg-verify': 'maybe' }))).toThrow(InvalidArgumentError);
  });
});

describe('verifyCommitSignatures (what pull calls before a ref moves)', () => {
  it('requires nothing without a remote or with gpg-verify=false, even for garbage metadata', async () => {
    const { client, commit, bytes } = await setup();
    await expect(verifyCommitSignatures(client, undefined, commit, bytes, new Uint8Array([1, 2, 3]))).resolves.toEqual({ required: false, checks: [] });
    await expect(verifyCommitSignatures(client, remote({ 'gpg-verify': 'false' }), commit, bytes, undefined)).resolves.toEqual({ required: false, checks: [] });
  });

  it('accepts a commit signed by real `ostree gpg-sign` with the keyring real `ostree remote gpg-import` wrote', async () => {
    const { server, client, clientPath, commit, bytes } = await setup();
    await expect(verifyCommitSignatures(client, 'origin', commit, bytes, undefined)).rejects.toThrow(/GPG verification enabled, but no signatures found/);
    sh('ostree', [`--repo=${server}`, 'gpg-sign', `--gpg-homedir=${home}`, 'main', TEST_GPG_KEYID_1]);
    const meta = await commitmeta(server, commit);
    await expect(verifyCommitSignatures(client, 'origin', commit, bytes, meta)).rejects.toThrow('GPG signatures found, but none are in trusted keyring');
    sh('ostree', [`--repo=${clientPath}`, 'remote', 'gpg-import', 'origin', '-k', join(home, 'trusted/pubring.gpg')]);
    expect(existsSync(join(clientPath, 'origin.trustedkeys.gpg'))).toBe(true);
    const ok = await verifyCommitSignatures(client, 'origin', commit, bytes, meta);
    expect(ok.required).toBe(true);
    expect(ok.checks[0]).toMatchObject({ type: 'gpg', valid: true, keyId: TEST_GPG_KEYID_1 });
    // the bytes must be the commit's
    await expect(verifyCommitSignatures(client, 'origin', commit, bytes.subarray(1), meta)).rejects.toBeInstanceOf(ChecksumMismatchError);
    // and the signature must be over those bytes
    const other = await setup();
    await expect(verifyCommitSignatures(client, getRemote(client, 'origin'), other.commit, other.bytes, meta)).rejects.toThrow(/no valid GPG signature/);
  });

  it('gpgkeypath (armored file, directory), the global keyring dir under keysRoot, revoked keys', async () => {
    const { server, client, commit, bytes } = await setup();
    sh('ostree', [`--repo=${server}`, 'gpg-sign', `--gpg-homedir=${home}`, 'main', TEST_GPG_KEYID_1]);
    const meta = await commitmeta(server, commit);
    const key1 = join(OSTREE_TESTS_DIR, 'gpghome/key1.asc');
    await expect(verifyCommitSignatures(client, remote({ gpgkeypath: key1 }), commit, bytes, meta)).resolves.toMatchObject({ required: true });
    await expect(verifyCommitSignatures(client, remote({ gpgkeypath: join(OSTREE_TESTS_DIR, 'gpghome/key2.asc') }), commit, bytes, meta)).rejects.toThrow(
      'none are in trusted keyring',
    );
    const dir = join(tmp.dir, `keys${n++}`);
    mkdirSync(dir);
    copyFileSync(key1, join(dir, 'one.asc'));
    writeFileSync(join(dir, 'two.gpg'), gpgExport(home, TEST_GPG_KEYID_2));
    await expect(verifyCommitSignatures(client, remote({ gpgkeypath: `${join(OSTREE_TESTS_DIR, 'gpghome/key3.asc')};${dir}` }), commit, bytes, meta)).resolves.toMatchObject({
      required: true,
    });
    // no keyring at all: the global directory, only under the given root
    await expect(verifyCommitSignatures(client, remote({}), commit, bytes, meta)).rejects.toThrow('none are in trusted keyring');
    const root = join(tmp.dir, `root${n++}`);
    mkdirSync(join(root, 'usr/share/ostree/trusted.gpg.d'), { recursive: true });
    writeFileSync(join(root, 'usr/share/ostree/trusted.gpg.d/test.gpg'), testPublicKeyring());
    await expect(verifyCommitSignatures(client, remote({}), commit, bytes, meta, { keysRoot: root })).resolves.toMatchObject({ required: true });
    // a revoked key never verifies
    const revoked = join(tmp.dir, `revoked${n++}.gpg`);
    writeFileSync(revoked, revokedKeyring(tmp.dir, 1));
    const err = await verifyCommitSignatures(client, remote({ gpgkeypath: revoked }), commit, bytes, meta).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignatureInvalidError);
    expect((err as SignatureInvalidError).message).toMatch(/revoked/);
    expect((err as SignatureInvalidError).data).toMatchObject({ commit, remote: 'origin', type: 'gpg' });
    // a keyring that is not OpenPGP data is a clear error
    const junk = join(tmp.dir, `junk${n++}.gpg`);
    writeFileSync(junk, Buffer.alloc(100, 0x42));
    await expect(verifyCommitSignatures(client, remote({ gpgkeypath: junk }), commit, bytes, meta)).rejects.toMatchObject({ code: 'Corrupt' });
    await expect(verifyCommitSignatures(client, remote({ gpgkeypath: join(tmp.dir, 'no-such-keyring') }), commit, bytes, meta)).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('truncated, garbage and wrongly typed signature data → SignatureInvalidError, never a crash', async () => {
    const { server, client, clientPath, commit, bytes } = await setup();
    sh('ostree', [`--repo=${clientPath}`, 'remote', 'gpg-import', 'origin', '-k', join(home, 'trusted/pubring.gpg')]);
    sh('ostree', [`--repo=${server}`, 'gpg-sign', `--gpg-homedir=${home}`, 'main', TEST_GPG_KEYID_1]);
    const meta = (await commitmeta(server, commit))!;
    const sig = signaturesIn(parseSignatureMetadata(meta, 'detached metadata'), 'ostree.gpgsigs')[0]!;
    const cases: Uint8Array[] = [
      meta.subarray(0, meta.length - 3),
      new Uint8Array([0xff, 0xff, 0xff]),
      serializeVarDict([['ostree.gpgsigs', variantByteArrays([sig.subarray(0, sig.length >> 1)])]]),
      serializeVarDict([['ostree.gpgsigs', variantByteArrays([new Uint8Array(0), new Uint8Array(4096).fill(0x99)])]]),
      serializeVarDict([['ostree.sign.ed25519', variantByteArrays([new Uint8Array(64)])]]),
      serializeVarDict([['ostree.gpgsigs', variantByteArrays(Array.from({ length: 5000 }, () => new Uint8Array(1)))]]),
    ];
    for (const c of cases) await expect(verifyCommitSignatures(client, 'origin', commit, bytes, c)).rejects.toBeInstanceOf(SignatureInvalidError);
  });

  it('randomly mutated or truncated detached metadata: only SignatureInvalidError or a pass, never a crash', async () => {
    const { server, client, commit, bytes } = await setup();
    const k = generateEd25519Key();
    const serverRepo = await Repo.open(server);
    await ed25519SignCommit(serverRepo, 'main', [k]);
    await gpgSignCommit(serverRepo, 'main', [findGpgSecretKey(await readGpgSecretKeys(testSecretKeyring()), TEST_GPG_KEYID_1)]);
    const meta = (await commitmeta(server, commit))!;
    const r = remote({ 'sign-verify': 'ed25519', 'verification-ed25519-key': k.publicKey.base64, gpgkeypath: join(home, 'trusted/pubring.gpg') });
    await expect(verifyCommitSignatures(client, r, commit, bytes, meta)).resolves.toMatchObject({ required: true });
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let refused = 0;
    for (let i = 0; i < 150; i++) {
      const m = Uint8Array.from(meta);
      const mode = i % 3;
      let input: Uint8Array = m;
      if (mode === 0) input = m.subarray(0, rand(m.length));
      else if (mode === 1) for (let j = 0; j < 1 + rand(4); j++) m[rand(m.length)] = rand(256);
      else input = Uint8Array.from([...m.subarray(0, rand(m.length)), ...Array.from({ length: rand(64) }, () => rand(256))]);
      try {
        await verifyCommitSignatures(client, r, commit, bytes, input);
      } catch (error) {
        expect(error).toBeInstanceOf(SignatureInvalidError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(100);
  });

  it('sign-verify=ed25519 with verification-ed25519-key/-file; both GPG and ed25519 must pass when both are on', async () => {
    const { server, client, commit, bytes } = await setup();
    const k = opensslEd25519(tmp.dir, `k${n++}`);
    const serverRepo = await Repo.open(server);
    await ed25519SignCommit(serverRepo, 'main', [k.secret]);
    const meta = await commitmeta(server, commit);
    const base = { 'gpg-verify': 'false', 'sign-verify': 'ed25519' };
    const ok = await verifyCommitSignatures(client, remote({ ...base, 'verification-ed25519-key': k.public }), commit, bytes, meta);
    expect(ok.checks).toEqual([{ type: 'ed25519', valid: true, key: k.public, message: expect.stringContaining('verified successfully') as unknown }]);
    const file = join(tmp.dir, `pub${n++}`);
    writeFileSync(file, `${generateEd25519Key().publicKey.base64}\n${k.public}\n`);
    await expect(verifyCommitSignatures(client, remote({ ...base, 'verification-ed25519-file': file }), commit, bytes, meta)).resolves.toMatchObject({ required: true });
    await expect(verifyCommitSignatures(client, remote({ ...base, 'verification-ed25519-key': generateEd25519Key().publicKey.base64 }), commit, bytes, meta)).rejects.toThrow(
      /Signature couldn't be verified/,
    );
    await expect(verifyCommitSignatures(client, remote(base), commit, bytes, meta)).rejects.toThrow('No keys found for required signapi type ed25519');
    await expect(verifyCommitSignatures(client, remote({ ...base, 'verification-ed25519-key': 'garbage' }), commit, bytes, meta)).rejects.toBeInstanceOf(SignatureInvalidError);
    await expect(verifyCommitSignatures(client, remote({ ...base, 'verification-ed25519-key': k.public }), commit, bytes, undefined)).rejects.toThrow('No signatures found');
    // both required: the ed25519 signature alone is not enough
    await expect(verifyCommitSignatures(client, remote({ 'sign-verify': 'ed25519', 'verification-ed25519-key': k.public, gpgkeypath: join(home, 'trusted/pubring.gpg') }), commit, bytes, meta)).rejects.toThrow(
      /GPG verification enabled/,
    );
    await gpgSignCommit(serverRepo, 'main', [findGpgSecretKey(await readGpgSecretKeys(testSecretKeyring()), TEST_GPG_KEYID_1)]);
    const both = await verifyCommitSignatures(
      client,
      remote({ 'sign-verify': 'ed25519', 'verification-ed25519-key': k.public, gpgkeypath: join(home, 'trusted/pubring.gpg') }),
      commit,
      bytes,
      await commitmeta(server, commit),
    );
    expect(both.checks.map((c) => [c.type, c.valid])).toEqual([
      ['gpg', true],
      ['ed25519', true],
    ]);
  });

  it('sign-verify=true without configured keys uses trusted.ed25519.d under keysRoot, minus revoked keys', async () => {
    const { server, client, commit, bytes } = await setup();
    const key = Ed25519SecretKey.from(opensslEd25519(tmp.dir, `k${n++}`).secret);
    await ed25519SignCommit(await Repo.open(server), 'main', [key]);
    const meta = await commitmeta(server, commit);
    const r = remote({ 'gpg-verify': 'false', 'sign-verify': 'true' });
    await expect(verifyCommitSignatures(client, r, commit, bytes, meta)).rejects.toBeInstanceOf(SignatureInvalidError);
    const root = join(tmp.dir, `root${n++}`);
    const [etc, share] = ed25519KeyBaseDirs(root);
    mkdirSync(join(share!, 'trusted.ed25519.d'), { recursive: true });
    writeFileSync(join(share!, 'trusted.ed25519.d/os'), `${key.publicKey.base64}\n`);
    await expect(verifyCommitSignatures(client, r, commit, bytes, meta, { keysRoot: root })).resolves.toMatchObject({ required: true });
    mkdirSync(etc!, { recursive: true });
    writeFileSync(join(etc!, 'revoked.ed25519'), `${key.publicKey.base64}\n`);
    await expect(verifyCommitSignatures(client, r, commit, bytes, meta, { keysRoot: root })).rejects.toThrow(/revoked/);
  });
});

describe('summary signatures', () => {
  it('real `ostree summary -u --gpg-sign` verifies in tsostree; tampering or a missing summary.sig is refused', async () => {
    const { server, client, clientPath } = await setup();
    sh('ostree', [`--repo=${server}`, 'summary', '-u', `--gpg-sign=${TEST_GPG_KEYID_1}`, `--gpg-homedir=${home}`]);
    sh('ostree', [`--repo=${clientPath}`, 'remote', 'gpg-import', 'origin', '-k', join(home, 'trusted/pubring.gpg')]);
    const summary = new Uint8Array(readFileSync(join(server, 'summary')));
    const sig = new Uint8Array(readFileSync(join(server, 'summary.sig')));
    await expect(verifySummarySignatures(client, 'origin', summary, undefined)).resolves.toEqual({ required: false, checks: [] });
    const r = { ...getRemote(client, 'origin') };
    r.options = { ...r.options, 'gpg-verify-summary': 'true' };
    const ok = await verifySummarySignatures(client, r, summary, sig);
    expect(ok.checks[0]).toMatchObject({ valid: true, keyId: TEST_GPG_KEYID_1 });
    const tampered = Uint8Array.from(summary);
    tampered[tampered.length - 1]! ^= 0xff;
    await expect(verifySummarySignatures(client, r, tampered, sig)).rejects.toThrow(/summary: no valid GPG signature/);
    await expect(verifySummarySignatures(client, r, summary, undefined)).rejects.toThrow(/no signatures found \(use gpg-verify-summary=false/);
    await expect(verifySummarySignatures(client, r, summary, sig.subarray(0, 20))).rejects.toBeInstanceOf(SignatureInvalidError);
  });

  it('summary.sig written by tsostree verifies in real ostree; regenerating the summary drops the stale summary.sig', async () => {
    const { server, clientPath } = await setup();
    const repo = await Repo.open(server);
    await updateSummary(repo);
    const keys = await readGpgSecretKeys(testSecretKeyring());
    const ed = opensslEd25519(tmp.dir, `k${n++}`);
    await signSummary(repo, { gpgKeys: [findGpgSecretKey(keys, TEST_GPG_KEYID_2)], ed25519Keys: [ed.secret] });
    const entries = (await readSummarySignatures(repo))!;
    expect(entries.map(([k]) => k)).toEqual(['ostree.gpgsigs', 'ostree.sign.ed25519']);
    expect(opensslVerify(tmp.dir, ed.pem, join(server, 'summary'), (entries[1]![1].value as Uint8Array[])[0]!)).toBe(true);
    sh('ostree', [`--repo=${clientPath}`, 'remote', 'gpg-import', 'origin', '-k', join(home, 'trusted/pubring.gpg')]);
    sh('ostree', [`--repo=${clientPath}`, 'config', 'set', 'remote "origin".gpg-verify-summary', 'true']);
    const shown = sh('ostree', [`--repo=${clientPath}`, 'remote', 'summary', 'origin']);
    expect(shown).toContain(`using RSA key ID ${TEST_GPG_KEYID_2}`);
    expect(shown).toContain('Good signature');
    // real ostree pulls through the signed summary
    expect(shStatus('ostree', [`--repo=${clientPath}`, 'pull', 'origin', 'main']).status).toBe(1); // commit itself unsigned → refused
    sh('ostree', [`--repo=${clientPath}`, 'config', 'set', 'remote "origin".gpg-verify', 'false']);
    expect(shStatus('ostree', [`--repo=${clientPath}`, 'pull', 'origin', 'main']).status).toBe(0);
    // a corrupted summary.sig is refused by real ostree and by us
    const sigPath = join(server, 'summary.sig');
    const good = readFileSync(sigPath);
    writeFileSync(sigPath, Buffer.concat([good.subarray(0, 40), Buffer.alloc(good.length - 40, 0x55)]));
    expect(shStatus('ostree', [`--repo=${clientPath}`, 'remote', 'summary', 'origin']).status).not.toBe(0);
    writeFileSync(sigPath, good);
    await updateSummary(repo);
    expect(existsSync(sigPath)).toBe(false);
  });
});
