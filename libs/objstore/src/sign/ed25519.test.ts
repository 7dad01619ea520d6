import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@tsostree/errors';
import { opensslEd25519, opensslSign, opensslVerify, tempRoot } from '../../test/sign-fixture.js';
import { decodeBase64Lenient, Ed25519PublicKey, Ed25519SecretKey, generateEd25519Key, verifyEd25519 } from './ed25519.js';
import { ed25519KeyBaseDirs, loadEd25519KeyDirs, readEd25519PublicKeyFile, readEd25519SecretKeyFile } from './ed25519-keys.js';

const tmp = tempRoot();
afterAll(() => tmp.cleanup());

describe('ed25519 keys and signatures (OpenSSL as the independent implementation)', () => {
  const k = opensslEd25519(tmp.dir);
  const data = join(tmp.dir, 'data');
  writeFileSync(data, Buffer.from('commit bytes \u0000\u0001 and more'));

  it('derives the same public key as OpenSSL from ostree-style secret keys', () => {
    const sk = Ed25519SecretKey.from(k.secret);
    expect(sk.publicKey.base64).toBe(k.public);
    expect(Ed25519SecretKey.fromSeed(decodeBase64Lenient(k.seed)).base64).toBe(k.secret);
    expect(sk.base64).toBe(k.secret);
  });

  it('makes byte-identical signatures to OpenSSL (ed25519 is deterministic) and each verifies the other', () => {
    const sk = Ed25519SecretKey.from(k.secret);
    const bytes = new Uint8Array(Buffer.from('commit bytes \u0000\u0001 and more'));
    const ours = sk.sign(bytes);
    const theirs = opensslSign(k.pem, data);
    expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
    expect(opensslVerify(tmp.dir, k.pem, data, ours)).toBe(true);
    expect(Ed25519PublicKey.from(k.public).verify(bytes, theirs)).toBe(true);
  });

  it('refuses malformed keys with InvalidArgumentError', () => {
    expect(() => Ed25519SecretKey.from(k.public)).toThrow(InvalidArgumentError);
    expect(() => Ed25519PublicKey.from(k.secret)).toThrow(InvalidArgumentError);
    expect(() => Ed25519PublicKey.from('')).toThrow(InvalidArgumentError);
    expect(() => Ed25519SecretKey.from('!!!not base64!!!')).toThrow(InvalidArgumentError);
    const other = generateEd25519Key();
    const mixed = Buffer.concat([decodeBase64Lenient(k.seed), other.publicKey.bytes]).toString('base64');
    expect(() => Ed25519SecretKey.from(mixed)).toThrow(/does not match/);
  });

  it('never accepts garbage, truncated or foreign signatures', () => {
    const sk = Ed25519SecretKey.from(k.secret);
    const pk = sk.publicKey;
    const bytes = new Uint8Array([1, 2, 3]);
    const sig = sk.sign(bytes);
    expect(pk.verify(bytes, sig)).toBe(true);
    expect(pk.verify(bytes, sig.subarray(0, 63))).toBe(false);
    expect(pk.verify(bytes, new Uint8Array(64))).toBe(false);
    expect(pk.verify(bytes, new Uint8Array(0))).toBe(false);
    expect(pk.verify(new Uint8Array([1, 2, 4]), sig)).toBe(false);
    const flipped = new Uint8Array(sig);
    flipped[10]! ^= 1;
    expect(pk.verify(bytes, flipped)).toBe(false);
    expect(generateEd25519Key().publicKey.verify(bytes, sig)).toBe(false);
  });

  it('verifyEd25519 tries every signature with every non-revoked key, with ostree-style messages', () => {
    const a = generateEd25519Key();
    const b = generateEd25519Key();
    const bytes = new Uint8Array([9, 9, 9]);
    const sig = a.sign(bytes);
    const ok = verifyEd25519(bytes, [new Uint8Array(64), sig], [b.publicKey, a.publicKey]);
    expect(ok.valid).toBe(true);
    expect(ok.message).toBe(`ed25519: Signature verified successfully with key '${a.publicKey.hex}'`);
    expect(verifyEd25519(bytes, [sig], [b.publicKey]).message).toBe(`ed25519: Signature couldn't be verified with: key '${b.publicKey.hex}'`);
    const many = Array.from({ length: 5 }, () => generateEd25519Key().publicKey);
    expect(verifyEd25519(bytes, [sig], many).message).toBe("ed25519: Signature couldn't be verified; tried 5 keys");
    expect(verifyEd25519(bytes, [sig], [a.publicKey], [a.publicKey]).valid).toBe(false);
    expect(verifyEd25519(bytes, [], [a.publicKey]).message).toBe('ed25519: no signatures found');
  });
});

describe('ed25519 key files and trusted/revoked directories', () => {
  it('reads one key per line, skipping blanks and junk; refuses files without keys and non-files', async () => {
    const a = generateEd25519Key();
    const b = generateEd25519Key();
    const f = join(tmp.dir, 'keys');
    writeFileSync(f, `${a.publicKey.base64}\n\nnot-a-key\n${b.publicKey.base64}\r\n`);
    expect((await readEd25519PublicKeyFile(f)).map((x) => x.base64)).toEqual([a.publicKey.base64, b.publicKey.base64]);
    writeFileSync(f, '');
    await expect(readEd25519PublicKeyFile(f)).rejects.toThrow(/no valid keys/);
    await expect(readEd25519PublicKeyFile(tmp.dir)).rejects.toThrow(/not a regular file/);
    await expect(readEd25519PublicKeyFile(join(tmp.dir, 'missing'))).rejects.toMatchObject({ code: 'NotFound' });
    writeFileSync(f, `${a.base64}\n`);
    expect((await readEd25519SecretKeyFile(f))[0]!.publicKey.base64).toBe(a.publicKey.base64);
    writeFileSync(f, `${a.base64}\ngarbage\n`);
    await expect(readEd25519SecretKeyFile(f)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('loads trusted.ed25519(.d) and revoked.ed25519(.d) under a root, never from the host', async () => {
    const root = join(tmp.dir, 'root');
    const [etc, share] = ed25519KeyBaseDirs(root);
    expect(etc).toBe(join(root, 'etc/ostree'));
    mkdirSync(join(etc!, 'trusted.ed25519.d'), { recursive: true });
    mkdirSync(join(share!, 'revoked.ed25519.d'), { recursive: true });
    const a = generateEd25519Key();
    const b = generateEd25519Key();
    writeFileSync(join(etc!, 'trusted.ed25519'), `${a.publicKey.base64}\n`);
    writeFileSync(join(etc!, 'trusted.ed25519.d', 'b'), `${b.publicKey.base64}\n`);
    writeFileSync(join(share!, 'revoked.ed25519.d', 'b'), `${b.publicKey.base64}\n`);
    const set = await loadEd25519KeyDirs(ed25519KeyBaseDirs(root));
    expect(set.trusted.map((x) => x.base64).sort()).toEqual([a.publicKey.base64, b.publicKey.base64].sort());
    expect(set.revoked.map((x) => x.base64)).toEqual([b.publicKey.base64]);
    const empty = await loadEd25519KeyDirs(ed25519KeyBaseDirs(join(tmp.dir, 'nothing')));
    expect(empty).toEqual({ trusted: [], revoked: [] });
  });
});
