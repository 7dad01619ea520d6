/**
 * Signed static-delta superblocks (`static-delta generate --sign`): the `superblock` file becomes
 * `(taya{sv})` = the magic "OSTSGNDT" (big-endian `t`), the plain superblock bytes, and an `a{sv}`
 * of signatures over those bytes — `ostree.sign.ed25519` → `aay`, like commit signatures.
 */
import { SignatureInvalidError } from '@tsostree/errors';
import { parseSignedSuperblock, serializeSignedSuperblock } from '../format/static-delta.js';
import { ED25519_METADATA_KEY, Ed25519SecretKey, verifyEd25519, type Ed25519Check, type Ed25519PublicKey } from './ed25519.js';
import { appendSignatures, signaturesIn } from './signature-metadata.js';

const MAGIC_BE = new Uint8Array([0x4f, 0x53, 0x54, 0x53, 0x47, 0x4e, 0x44, 0x54]);

/** True when `bytes` start like a signed superblock (the magic). */
export function isSignedDeltaSuperblock(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && MAGIC_BE.every((b, i) => bytes[i] === b);
}

/**
 * Signs a superblock with ed25519 keys. Given an already signed superblock, its signatures are kept
 * and the new ones appended.
 */
export function signDeltaSuperblock(superblock: Uint8Array, keys: readonly (Ed25519SecretKey | Uint8Array | string)[]): Uint8Array {
  let inner = superblock;
  let entries: ReturnType<typeof appendSignatures> | undefined;
  if (isSignedDeltaSuperblock(superblock)) {
    const parsed = parseSignedSuperblock(superblock);
    inner = parsed.superblock;
    entries = parsed.signatures;
  }
  const sk = keys.map((k) => (k instanceof Ed25519SecretKey ? k : Ed25519SecretKey.from(k)));
  return serializeSignedSuperblock(inner, appendSignatures(entries, ED25519_METADATA_KEY, sk.map((k) => k.sign(inner))));
}

/** The signature types (`ostree.sign.<type>` keys) of a signed superblock; [] when unsigned or unreadable. */
export function deltaSignatureTypes(bytes: Uint8Array): string[] {
  if (!isSignedDeltaSuperblock(bytes)) return [];
  try {
    return parseSignedSuperblock(bytes)
      .signatures.map(([k]) => k)
      .filter((k) => k.startsWith('ostree.sign.'))
      .map((k) => k.slice('ostree.sign.'.length));
  } catch {
    return [];
  }
}

/**
 * `static-delta verify`: checks a signed superblock's ed25519 signatures and returns the plain
 * superblock bytes. SignatureInvalidError for an unsigned, garbage or wrongly signed superblock.
 */
export function verifyDeltaSuperblock(
  bytes: Uint8Array,
  trusted: readonly Ed25519PublicKey[],
  revoked: readonly Ed25519PublicKey[] = [],
): { superblock: Uint8Array; check: Ed25519Check } {
  if (!isSignedDeltaSuperblock(bytes)) throw new SignatureInvalidError('no signatures in static-delta', { data: { type: 'ed25519' } });
  let parsed: ReturnType<typeof parseSignedSuperblock>;
  try {
    parsed = parseSignedSuperblock(bytes);
  } catch (error) {
    throw new SignatureInvalidError(`signed static-delta superblock is corrupt: ${(error as Error).message}`, { cause: error, data: { type: 'ed25519' } });
  }
  const check = verifyEd25519(parsed.superblock, signaturesIn(parsed.signatures, ED25519_METADATA_KEY), trusted, revoked);
  if (!check.valid) throw new SignatureInvalidError(check.message, { data: { type: 'ed25519' } });
  return { superblock: parsed.superblock, check };
}

