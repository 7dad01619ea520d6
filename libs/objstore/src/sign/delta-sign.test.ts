import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SignatureInvalidError } from '@tsostree/errors';
import { opensslEd25519, tempRoot } from '../../test/sign-fixture.js';
import { parseDeltaSuperblock, parseSignedSuperblock } from '../format/static-delta.js';
import { Ed25519PublicKey, Ed25519SecretKey, generateEd25519Key } from './ed25519.js';
import { deltaSignatureTypes, isSignedDeltaSuperblock, signDeltaSuperblock, verifyDeltaSuperblock } from './delta-sign.js';

const tmp = tempRoot();
afterAll(() => tmp.cleanup());
const sh = (args: string[]): string => execFileSync('ostree', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function findSuperblock(dir: string): string {
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name === 'superblock') return join(e.parentPath, e.name);
  }
  throw new Error('no superblock');
}

describe('signed static-delta superblocks', () => {
  it('real ostree reads a delta we signed (show: Signed: yes, apply-offline, fsck), and we verify it', async () => {
    const repo = join(tmp.dir, 'repo');
    sh(['init', `--repo=${repo}`, '--mode=archive']);
    mkdirSync(join(tmp.dir, 'tree'));
    writeFileSync(join(tmp.dir, 'tree/a'), 'delta me\n');
    const commit = sh([`--repo=${repo}`, 'commit', '-b', 'main', join(tmp.dir, 'tree')]).trim();
    sh([`--repo=${repo}`, 'static-delta', 'generate', '--empty', `--to=${commit}`]);
    const sbPath = findSuperblock(join(repo, 'deltas'));
    const plain = new Uint8Array(readFileSync(sbPath));
    expect(isSignedDeltaSuperblock(plain)).toBe(false);
    const k = Ed25519SecretKey.from(opensslEd25519(tmp.dir).secret);
    const other = generateEd25519Key();
    const signed = signDeltaSuperblock(signDeltaSuperblock(plain, [k]), [other]);
    expect(isSignedDeltaSuperblock(signed)).toBe(true);
    expect(deltaSignatureTypes(signed)).toEqual(['ed25519']);
    expect(Buffer.from(parseSignedSuperblock(signed).superblock).equals(Buffer.from(plain))).toBe(true);
    writeFileSync(sbPath, signed);

    expect(sh([`--repo=${repo}`, 'static-delta', 'show', commit])).toContain('Signed: yes');
    const dst = join(tmp.dir, 'dst');
    sh(['init', `--repo=${dst}`, '--mode=archive']);
    sh([`--repo=${dst}`, 'static-delta', 'apply-offline', dirname(sbPath)]);
    expect(sh([`--repo=${dst}`, 'fsck'])).toContain('no errors found');

    const { superblock, check } = verifyDeltaSuperblock(signed, [Ed25519PublicKey.from(k.publicKey.base64)]);
    expect(check.valid).toBe(true);
    expect(parseDeltaSuperblock(superblock).to).toBe(commit);
    expect(verifyDeltaSuperblock(signed, [other.publicKey]).check.valid).toBe(true);
  });

  it('unsigned, wrongly signed, revoked and garbage superblocks → SignatureInvalidError', () => {
    const k = generateEd25519Key();
    const inner = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const signed = signDeltaSuperblock(inner, [k]);
    expect(() => verifyDeltaSuperblock(inner, [k.publicKey])).toThrow('no signatures in static-delta');
    expect(() => verifyDeltaSuperblock(signed, [generateEd25519Key().publicKey])).toThrow(SignatureInvalidError);
    expect(() => verifyDeltaSuperblock(signed, [k.publicKey], [k.publicKey])).toThrow(SignatureInvalidError);
    expect(() => verifyDeltaSuperblock(signed.subarray(0, signed.length - 4), [k.publicKey])).toThrow(SignatureInvalidError);
    const tampered = Uint8Array.from(signed);
    tampered[12]! ^= 0xff;
    expect(() => verifyDeltaSuperblock(tampered, [k.publicKey])).toThrow(SignatureInvalidError);
    expect(deltaSignatureTypes(signed.subarray(0, 10))).toEqual([]);
  });
});
