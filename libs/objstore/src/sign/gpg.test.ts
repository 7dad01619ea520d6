import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptError, InvalidArgumentError, NotFoundError } from '@tsostree/errors';
import { OSTREE_TESTS_DIR, testPublicKeyring, testSecretKeyring, TEST_GPG_KEYFPR_1, TEST_GPG_KEYID_1 } from '../../test/sign-fixture.js';
import { findGpgSecretKey, gpgKeyMatches, gpgSignData, gpgSignatureKeyIds, readGpgPublicKeys, readGpgSecretKeys, verifyGpgSignatures } from './gpg.js';

const DATA = join(OSTREE_TESTS_DIR, 'gpg-verify-data');
const home = mkdtempSync(join(tmpdir(), 'tsostree-gpgv-'));
afterAll(() => {
  try {
    execFileSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
  } catch {
    // no agent
  }
  rmSync(home, { recursive: true, force: true });
});

/** GnuPG's verdict (status-fd keyword per signature) for a signature file over lgpl2. */
function gnupgStatus(sigFile: string): string[] {
  for (const f of ['pubring.gpg', 'trustdb.gpg', 'gpg.conf']) cpSync(join(DATA, f), join(home, f));
  let out = '';
  try {
    out = execFileSync('gpg', ['--homedir', home, '--status-fd', '1', '--verify', sigFile, join(DATA, 'lgpl2')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (error) {
    out = String((error as { stdout?: string }).stdout ?? '');
  }
  return [...out.matchAll(/^\[GNUPG:\] (GOODSIG|BADSIG|EXPSIG|EXPKEYSIG|REVKEYSIG|ERRSIG) /gm)].map((m) => m[1]!);
}

describe('OpenPGP verification vs GnuPG on ostree-tests gpg-verify-data (valid, expired key, revoked key, missing key, expired signature)', () => {
  const data = new Uint8Array(readFileSync(join(DATA, 'lgpl2')));
  it.each([0, 1, 2, 3, 4])('lgpl2.sig%i: same verdict as GnuPG', async (i) => {
    const keys = await readGpgPublicKeys(new Uint8Array(readFileSync(join(DATA, 'pubring.gpg'))));
    const sigFile = join(DATA, `lgpl2.sig${i}`);
    const [status] = gnupgStatus(sigFile);
    const [check] = await verifyGpgSignatures(data, [new Uint8Array(readFileSync(sigFile))], keys);
    expect(check!.valid).toBe(status === 'GOODSIG');
    const statusOf = { GOODSIG: 'good', EXPKEYSIG: 'expired-key', REVKEYSIG: 'revoked-key', ERRSIG: 'missing-key', EXPSIG: 'expired-signature' } as const;
    expect(check!.status).toBe(statusOf[status as keyof typeof statusOf]);
    const expected = { GOODSIG: /^Good signature from "J\. Random User <testcase@redhat\.com>"$/, EXPKEYSIG: /key expired/, REVKEYSIG: /revoked/, ERRSIG: /^public key not found$/, EXPSIG: /expired/ }[status!];
    expect(check!.message).toMatch(expected!);
  });

  it('lgpl2.sig (all five in one): one valid, like ostree count_valid', async () => {
    const keys = await readGpgPublicKeys(new Uint8Array(readFileSync(join(DATA, 'pubring.gpg'))));
    const checks = await verifyGpgSignatures(data, [new Uint8Array(readFileSync(join(DATA, 'lgpl2.sig')))], keys);
    expect(gnupgStatus(join(DATA, 'lgpl2.sig'))).toEqual(['GOODSIG', 'EXPKEYSIG', 'REVKEYSIG', 'ERRSIG', 'EXPSIG']);
    expect(checks.map((c) => c.valid)).toEqual([true, false, false, false, false]);
    // SHA-1 data signatures are accepted like GnuPG 2.2, unless asked not to
    const strict = await verifyGpgSignatures(data, [new Uint8Array(readFileSync(join(DATA, 'lgpl2.sig0')))], keys, { acceptSha1: false });
    expect(strict[0]).toMatchObject({ valid: false, message: expect.stringContaining('SHA1') as unknown });
  });
});

describe('keys and signing', () => {
  it('reads binary and armored keyrings, refuses garbage', async () => {
    const binary = await readGpgPublicKeys(testPublicKeyring());
    expect(binary.map((k) => k.getFingerprint().toUpperCase())).toContain(TEST_GPG_KEYFPR_1);
    const armored = await readGpgPublicKeys(
      new Uint8Array(Buffer.concat([readFileSync(join(OSTREE_TESTS_DIR, 'gpghome/key1.asc')), readFileSync(join(OSTREE_TESTS_DIR, 'gpghome/key2.asc'))])),
    );
    expect(armored).toHaveLength(2);
    expect(await readGpgPublicKeys(new Uint8Array(0))).toEqual([]);
    await expect(readGpgPublicKeys(new Uint8Array(64).fill(7))).rejects.toBeInstanceOf(CorruptError);
    await expect(readGpgPublicKeys(testPublicKeyring().subarray(0, 100))).rejects.toBeInstanceOf(CorruptError);
    await expect(readGpgSecretKeys(new Uint8Array([0x95, 1, 2]))).rejects.toBeInstanceOf(CorruptError);
  });

  it('mutated keyrings and secret keyrings: keys or CorruptError, never anything else', async () => {
    const pub = testPublicKeyring();
    const sec = testSecretKeyring();
    let seed = 99;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 60; i++) {
      for (const [src, read] of [
        [pub, readGpgPublicKeys],
        [sec, readGpgSecretKeys],
      ] as const) {
        const m = Uint8Array.from(src);
        const input = i % 2 === 0 ? m.subarray(0, rand(m.length)) : (m.fill(rand(256), rand(m.length), rand(m.length)), m);
        try {
          await read(input);
        } catch (error) {
          expect(error).toBeInstanceOf(CorruptError);
        }
      }
    }
  });

  it('finds keys by fingerprint, long and short key ID (any case, 0x), refuses others', async () => {
    const keys = await readGpgSecretKeys(testSecretKeyring());
    for (const id of [TEST_GPG_KEYID_1, TEST_GPG_KEYFPR_1, TEST_GPG_KEYID_1.slice(8), `0x${TEST_GPG_KEYID_1.toLowerCase()}`]) {
      expect(findGpgSecretKey(keys, id).getFingerprint().toUpperCase()).toBe(TEST_GPG_KEYFPR_1);
    }
    expect(() => findGpgSecretKey(keys, '0000000000000000')).toThrow(NotFoundError);
    expect(gpgKeyMatches(keys[0]!, 'not hex')).toBe(false);
    expect(gpgKeyMatches(keys[0]!, '1234')).toBe(false);
  });

  it('signs binary detached signatures GnuPG accepts; passphrase-protected keys need the passphrase', async () => {
    const keys = await readGpgSecretKeys(testSecretKeyring());
    const key = findGpgSecretKey(keys, TEST_GPG_KEYID_1);
    const data = new Uint8Array(Buffer.from('some bytes\n'));
    const sig = await gpgSignData(data, key);
    expect(await gpgSignatureKeyIds(sig)).toEqual([TEST_GPG_KEYID_1]);
    expect(await gpgSignatureKeyIds(new Uint8Array([1, 2, 3]))).toEqual([]);
    const [check] = await verifyGpgSignatures(data, [sig], await readGpgPublicKeys(testPublicKeyring()));
    expect(check).toMatchObject({ valid: true, keyId: TEST_GPG_KEYID_1 });

    const { encryptKey } = await import('openpgp');
    const locked = (await encryptKey({ privateKey: key, passphrase: 'pw' })).write();
    await expect(readGpgSecretKeys(locked)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(readGpgSecretKeys(locked, { passphrase: 'wrong' })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect((await readGpgSecretKeys(locked, { passphrase: 'pw' }))[0]!.isDecrypted()).toBe(true);
  });
});
