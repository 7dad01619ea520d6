// Signature and digest verification against rpmsign-signed packages, with rpmkeys --checksig as
// the oracle: good RSA and EdDSA signatures, unsigned, unknown key, bad signature, bad digests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTsostreeError } from '@tsostree/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { rpmFixture } from '../test/rpm-fixtures.js';
import { makeSigningKey, signRpm } from '../test/sign-rpm.js';
import { parsePackageHeaders } from './format/package.js';
import { headerBytes } from './format/header.js';
import { SIG_TAG } from './format/tags.js';
import { verifyPackage } from './package-verify.js';

const work = mkdtempSync(join(tmpdir(), 'rpmdb-verify-'));
const rsa = makeSigningKey('rsa');
const ed = makeSigningKey('ed25519');
const other = makeSigningKey('rsa', 'other@example.invalid');
afterAll(() => {
  for (const d of [work, rsa.home, ed.home, other.home]) rmSync(d, { recursive: true, force: true });
});

const base = rpmFixture('payload-xz');
const rsaSigned = signRpm(base, join(work, 'rsa.rpm'), rsa);
const edSigned = signRpm(base, join(work, 'ed.rpm'), ed);

/** `rpmkeys -K` with the given keys imported into a scratch rpmdb: true when it says OK. */
function rpmkeysOk(path: string, keys: string[]): boolean {
  const db = mkdtempSync(join(work, 'db-'));
  for (const [i, k] of keys.entries()) {
    writeFileSync(join(db, `k${i}.asc`), k);
    execFileSync('rpmkeys', ['--dbpath', db, '--import', join(db, `k${i}.asc`)]);
  }
  try {
    execFileSync('rpmkeys', ['--dbpath', db, '--checksig', path], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (!isTsostreeError(err)) throw err;
    return err.code === 'SignatureInvalid' ? `SignatureInvalid:${String(err.data.reason)}` : err.code;
  }
}

describe('verifyPackage', () => {
  it('accepts RSA and EdDSA signatures that rpmkeys accepts', async () => {
    for (const [path, key, algorithm, tag] of [
      [rsaSigned, rsa, 'rsaEncryptSign', 'RSAHEADER'],
      [edSigned, ed, 'eddsaLegacy', 'DSAHEADER'],
    ] as const) {
      expect(rpmkeysOk(path, [key.publicKeyArmored])).toBe(true);
      const result = await verifyPackage(path, { keyring: [key.publicKeyArmored], requireSignature: true });
      expect(result.signed).toBe(true);
      expect(result.signatures.map((s) => [s.tag, s.algorithm])).toEqual([[tag, algorithm]]);
      expect(result.digests).toEqual(['size', 'header-sha256', 'header-sha1', 'md5', 'payload']);
    }
  });

  it('reports unsigned packages distinctly from badly signed ones', async () => {
    expect(await verifyPackage(base, { keyring: [rsa.publicKeyArmored] })).toMatchObject({ signed: false, signatures: [] });
    expect(await reason(verifyPackage(base, { keyring: [rsa.publicKeyArmored], requireSignature: true }))).toBe('SignatureInvalid:unsigned');
  });

  it('a key missing from the keyring', async () => {
    expect(rpmkeysOk(rsaSigned, [other.publicKeyArmored])).toBe(false);
    expect(await reason(verifyPackage(rsaSigned, { keyring: [other.publicKeyArmored] }))).toBe('SignatureInvalid:no-key');
  });

  it('a signature that does not verify', async () => {
    for (const [src, tag] of [[rsaSigned, SIG_TAG.RSA], [edSigned, SIG_TAG.DSA]] as const) {
      const bytes = new Uint8Array(readFileSync(src));
      const packet = headerBytes(parsePackageHeaders(bytes).signature, tag)!;
      const at = Buffer.from(bytes).indexOf(Buffer.from(packet));
      bytes[at + packet.length - 3]! ^= 0x55; // inside the last MPI of the signature
      const bad = join(work, `bad-${tag}.rpm`);
      writeFileSync(bad, bytes);
      const key = tag === SIG_TAG.RSA ? rsa : ed;
      expect(rpmkeysOk(bad, [key.publicKeyArmored])).toBe(false);
      expect(await reason(verifyPackage(bad, { keyring: [key.publicKeyArmored] }))).toBe('SignatureInvalid:bad-signature');
    }
  });

  it('digest mismatches in payload and header', async () => {
    const bytes = new Uint8Array(readFileSync(rsaSigned));
    const pkg = parsePackageHeaders(bytes);
    const payload = bytes.slice();
    payload[bytes.length - 10]! ^= 1;
    writeFileSync(join(work, 'bad-payload.rpm'), payload);
    expect(rpmkeysOk(join(work, 'bad-payload.rpm'), [rsa.publicKeyArmored])).toBe(false);
    expect(await reason(verifyPackage(join(work, 'bad-payload.rpm'), { keyring: [rsa.publicKeyArmored] }))).toBe('ChecksumMismatch');
    const header = bytes.slice();
    const summary = Buffer.from(header).indexOf('Payload compressor fixture');
    expect(summary).toBeGreaterThan(pkg.headerOffset);
    header[summary]! ^= 0x20;
    writeFileSync(join(work, 'bad-header.rpm'), header);
    expect(rpmkeysOk(join(work, 'bad-header.rpm'), [rsa.publicKeyArmored])).toBe(false);
    expect(await reason(verifyPackage(join(work, 'bad-header.rpm'), { keyring: [rsa.publicKeyArmored] }))).toBe('ChecksumMismatch');
  });

  it('a package longer or shorter than its signature header says', async () => {
    const bytes = readFileSync(rsaSigned);
    writeFileSync(join(work, 'long.rpm'), Buffer.concat([bytes, Buffer.from('extra')]));
    expect(rpmkeysOk(join(work, 'long.rpm'), [rsa.publicKeyArmored])).toBe(false);
    expect(await reason(verifyPackage(join(work, 'long.rpm'), { keyring: [rsa.publicKeyArmored] }))).toBe('Corrupt');
  });

  it('rejects a keyring that is not OpenPGP', async () => {
    mkdirSync(join(work, 'x'), { recursive: true });
    expect(await reason(verifyPackage(rsaSigned, { keyring: ['not a key'] }))).toBe('Parse');
  });
});
