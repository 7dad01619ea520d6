/**
 * ed25519 signatures as `ostree sign` makes them (ostree's "ed25519" sign engine):
 *
 * - a secret key is libsodium's 64 bytes: the 32-byte seed followed by the 32-byte public key,
 *   written as base64 on the command line and in key files;
 * - a public key is the raw 32 bytes, base64;
 * - a signature is the raw 64-byte detached ed25519 signature over the signed bytes (the commit
 *   object's bytes, or the summary file's bytes), stored as one `ay` element of the `aay` under
 *   `ostree.sign.ed25519` in the detached metadata (`.commitmeta`) or in `summary.sig`;
 * - key files hold one base64 key per line.
 *
 * ed25519 is deterministic, so any correct implementation makes the same 64 bytes as libsodium for
 * the same key and data; we use node:crypto.
 */
import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { InvalidArgumentError } from '@tsostree/errors';

export const ED25519_SIGN_TYPE = 'ed25519';
/** Detached-metadata key of ed25519 signatures. */
export const ED25519_METADATA_KEY = 'ostree.sign.ed25519';
/** GVariant type of the value under {@link ED25519_METADATA_KEY}. */
export const ED25519_METADATA_FORMAT = 'aay';
export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SECRET_KEY_BYTES = 64;
export const ED25519_SIGNATURE_BYTES = 64;

// DER prefixes of the PKCS#8 private key and SPKI public key for Ed25519 (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Decodes base64 leniently, like GLib's `g_base64_decode` as ostree uses it: characters outside
 * the base64 alphabet are skipped and decoding stops at the first `=`.
 */
export function decodeBase64Lenient(text: string): Uint8Array {
  const eq = text.indexOf('=');
  const clean = (eq >= 0 ? text.slice(0, eq) : text).replace(/[^A-Za-z0-9+/]/g, '');
  const usable = clean.length - (clean.length % 4 === 1 ? 1 : 0);
  return new Uint8Array(Buffer.from(clean.slice(0, usable), 'base64'));
}

export const encodeBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** An ed25519 public key (32 raw bytes). */
export class Ed25519PublicKey {
  private object: KeyObject | undefined;

  private constructor(readonly bytes: Uint8Array) {}

  /** From 32 raw bytes or base64 text (as in `verification-ed25519-key`, key files, `sign --verify`). */
  static from(key: Uint8Array | string): Ed25519PublicKey {
    const bytes = typeof key === 'string' ? decodeBase64Lenient(key) : key;
    if (bytes.length !== ED25519_PUBLIC_KEY_BYTES) throw new InvalidArgumentError('Incorrect ed25519 public key', { data: { length: bytes.length } });
    return new Ed25519PublicKey(new Uint8Array(bytes));
  }

  get base64(): string {
    return encodeBase64(this.bytes);
  }

  /** Lowercase hex, as ostree prints keys in its messages. */
  get hex(): string {
    return toHex(this.bytes);
  }

  equals(other: Ed25519PublicKey): boolean {
    return Buffer.from(this.bytes).equals(other.bytes);
  }

  /** True if `signature` is a valid ed25519 signature of `data` by this key (false for garbage). */
  verify(data: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
    this.object ??= createPublicKey({ key: Buffer.concat([SPKI_PREFIX, this.bytes]), format: 'der', type: 'spki' });
    try {
      return cryptoVerify(null, data, this.object, signature);
    } catch {
      return false;
    }
  }
}

/** An ed25519 secret key in libsodium's 64-byte form (seed ‖ public key). */
export class Ed25519SecretKey {
  private constructor(
    private readonly object: KeyObject,
    readonly publicKey: Ed25519PublicKey,
  ) {}

  /**
   * From 64 raw bytes or their base64 text (what `ostree sign` and `commit --sign` take).
   * Refuses a key whose second half is not the public key of its seed (libsodium would silently
   * make signatures that nothing verifies).
   */
  static from(key: Uint8Array | string): Ed25519SecretKey {
    const bytes = typeof key === 'string' ? decodeBase64Lenient(key) : key;
    if (bytes.length !== ED25519_SECRET_KEY_BYTES) throw new InvalidArgumentError('Incorrect ed25519 secret key', { data: { length: bytes.length } });
    const object = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, bytes.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(object).export({ format: 'der', type: 'spki' });
    const derived = new Uint8Array(spki.subarray(spki.length - 32));
    if (!Buffer.from(derived).equals(bytes.subarray(32))) {
      throw new InvalidArgumentError('Incorrect ed25519 secret key: its public half does not match its seed');
    }
    return new Ed25519SecretKey(object, Ed25519PublicKey.from(derived));
  }

  /** From a 32-byte seed (e.g. the last 32 bytes of an OpenSSL PKCS#8 DER key). */
  static fromSeed(seed: Uint8Array): Ed25519SecretKey {
    if (seed.length !== 32) throw new InvalidArgumentError('ed25519 seed must be 32 bytes');
    const object = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(object).export({ format: 'der', type: 'spki' });
    return Ed25519SecretKey.from(Buffer.concat([seed, spki.subarray(spki.length - 32)]));
  }

  /** The 64 secret-key bytes (seed ‖ public key). */
  get bytes(): Uint8Array {
    const der = this.object.export({ format: 'der', type: 'pkcs8' });
    return new Uint8Array(Buffer.concat([der.subarray(der.length - 32), this.publicKey.bytes]));
  }

  get base64(): string {
    return encodeBase64(this.bytes);
  }

  /** The 64-byte detached signature of `data`. */
  sign(data: Uint8Array): Uint8Array {
    return new Uint8Array(cryptoSign(null, data, this.object));
  }
}

/** A fresh random key pair. */
export function generateEd25519Key(): Ed25519SecretKey {
  const seed = new Uint8Array(32);
  globalThis.crypto.getRandomValues(seed);
  return Ed25519SecretKey.fromSeed(seed);
}

export interface Ed25519Check {
  valid: boolean;
  /** The key that verified (valid), or undefined. */
  key?: Ed25519PublicKey;
  /** ostree-style message: "ed25519: Signature verified successfully with key '…'" or why not. */
  message: string;
}

/**
 * Verifies a list of signatures over `data` like ostree's ed25519 engine: the first signature that
 * verifies with any non-revoked public key wins. Never throws on garbage signatures.
 */
export function verifyEd25519(
  data: Uint8Array,
  signatures: readonly Uint8Array[],
  publicKeys: readonly Ed25519PublicKey[],
  revokedKeys: readonly Ed25519PublicKey[] = [],
): Ed25519Check {
  const usable = publicKeys.filter((k) => !revokedKeys.some((r) => r.equals(k)));
  const failed: string[] = [];
  for (const sig of signatures) {
    for (const key of usable) {
      if (key.verify(data, sig)) {
        return { valid: true, key, message: `ed25519: Signature verified successfully with key '${key.hex}'` };
      }
      failed.push(key.hex);
    }
  }
  if (signatures.length === 0) return { valid: false, message: 'ed25519: no signatures found' };
  if (usable.length === 0) {
    return {
      valid: false,
      message: publicKeys.length > 0 ? 'ed25519: every trusted key is revoked' : 'ed25519: no public keys to verify with',
    };
  }
  if (failed.length > 3) return { valid: false, message: `ed25519: Signature couldn't be verified; tried ${failed.length} keys` };
  return { valid: false, message: `ed25519: Signature couldn't be verified with: ${failed.map((h) => `key '${h}'`).join('; ')}` };
}
