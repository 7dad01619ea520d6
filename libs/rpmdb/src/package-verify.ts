/**
 * Verifying an RPM file the way `rpmkeys --checksig` does: the digests in the signature header
 * (SHA-256 and SHA-1 of the main header, MD5 of header + payload), the payload digest in the main
 * header, and the OpenPGP signatures (header-only: RSAHEADER for RSA, DSAHEADER for DSA and EdDSA;
 * legacy header+payload: PGP/GPG) against a keyring of public keys.
 *
 * Outcomes are distinct: a digest that does not match is a `ChecksumMismatchError`; a signature that
 * does not verify, or whose key is not in the keyring, is a `SignatureInvalidError` with
 * `data.reason` `bad-signature` or `no-key`; an unsigned package is `signed: false` in the result,
 * or a `SignatureInvalidError` with `data.reason: 'unsigned'` when a signature is required.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ChecksumMismatchError, CorruptError, ParseError, SignatureInvalidError, throwIfAborted } from '@tsostree/errors';
import type * as OpenPgp from 'openpgp';
import { headerBytes, headerString } from './format/header.js';
import { payloadInfo } from './format/package-info.js';
import { signatureInfo } from './format/signature-info.js';
import { SIG_TAG } from './format/tags.js';
import { readPackageHeaders } from './package-read.js';

/** OpenPGP.js is loaded on first use: importing it costs ~60 ms, and most callers never check a signature. */
let openpgpModule: Promise<typeof OpenPgp> | undefined;
function loadOpenpgp(): Promise<typeof OpenPgp> {
  return (openpgpModule ??= import('openpgp'));
}

export interface VerifyPackageOptions {
  /** Public keys, armored or binary (a key file may hold several). */
  keyring?: Array<string | Uint8Array>;
  /** Fail with SignatureInvalidError (reason `unsigned`) when the package has no signature. */
  requireSignature?: boolean;
  signal?: AbortSignal;
}

export interface SignatureCheck {
  /** `RSAHEADER`, `DSAHEADER` (header-only) or `PGP`, `GPG` (header + payload). */
  tag: string;
  /** 16 hex digits, lower case. */
  keyId: string;
  algorithm: string;
  hashAlgorithm: string;
  created?: Date;
}

export interface VerifyPackageResult {
  signed: boolean;
  signatures: SignatureCheck[];
  /** Which digests were present and matched. */
  digests: string[];
}

const SIGNATURE_TAGS: Array<[number, string, boolean]> = [
  [SIG_TAG.RSA, 'RSAHEADER', false],
  [SIG_TAG.DSA, 'DSAHEADER', false],
  [SIG_TAG.PGP, 'PGP', true],
  [SIG_TAG.GPG, 'GPG', true],
];

/** Loads public keys once, to verify many packages. */
export async function readKeyring(keys: Array<string | Uint8Array>): Promise<OpenPgp.PublicKey[]> {
  const out: OpenPgp.PublicKey[] = [];
  const openpgp = await loadOpenpgp();
  for (const k of keys) {
    try {
      const read = typeof k === 'string' ? await openpgp.readKeys({ armoredKeys: k }) : await openpgp.readKeys({ binaryKeys: k });
      out.push(...read.map((key) => key.toPublic()));
    } catch (err) {
      throw new ParseError(`cannot read OpenPGP public key: ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}

function describeSignature(openpgp: typeof OpenPgp, sig: OpenPgp.Signature, tag: string): SignatureCheck {
  const packet = sig.packets[0] as unknown as { issuerKeyID: OpenPgp.KeyID; publicKeyAlgorithm: number; hashAlgorithm: number; created: Date | null };
  const algo = openpgp.enums.read(openpgp.enums.publicKey, packet.publicKeyAlgorithm) as string;
  const hash = openpgp.enums.read(openpgp.enums.hash, packet.hashAlgorithm) as string;
  const check: SignatureCheck = { tag, keyId: packet.issuerKeyID.toHex(), algorithm: algo, hashAlgorithm: hash };
  if (packet.created) check.created = packet.created;
  return check;
}

/** Verifies digests and signatures of the RPM at `path`. */
export async function verifyPackage(path: string, options: VerifyPackageOptions = {}): Promise<VerifyPackageResult> {
  const pkg = await readPackageHeaders(path);
  const sig = pkg.signature;
  const digests: string[] = [];
  const mismatch = (what: string, expected: string, actual: string) =>
    new ChecksumMismatchError(`${path}: ${what} digest mismatch`, { expected, actual, data: { path, what } });

  const recorded = signatureInfo(sig).size;
  if (recorded !== undefined) {
    const actual = (await stat(path)).size - pkg.headerOffset;
    if (actual !== recorded) {
      throw new CorruptError(`${path}: header + payload is ${actual} bytes, the signature header says ${recorded}`, {
        data: { path, reason: 'size-mismatch', expected: recorded, actual },
      });
    }
    digests.push('size');
  }
  const sha256 = headerString(sig, SIG_TAG.SHA256);
  if (sha256 !== undefined) {
    const actual = createHash('sha256').update(pkg.headerBytes).digest('hex');
    if (actual !== sha256) throw mismatch('header SHA256', sha256, actual);
    digests.push('header-sha256');
  }
  const sha1 = headerString(sig, SIG_TAG.SHA1);
  if (sha1 !== undefined) {
    const actual = createHash('sha1').update(pkg.headerBytes).digest('hex');
    if (actual !== sha1) throw mismatch('header SHA1', sha1, actual);
    digests.push('header-sha1');
  }
  const md5 = headerBytes(sig, SIG_TAG.MD5);
  const info = payloadInfo(pkg.header);
  const wanted = [...new Set([...(md5 ? ['md5'] : []), ...(info.digest ? [info.digestAlgo] : [])])];
  if (wanted.length) {
    // MD5 covers header + payload; the payload digest covers the payload alone.
    const md5Hash = md5 ? createHash('md5').update(pkg.headerBytes) : undefined;
    const payload = info.digest ? createHash(info.digestAlgo) : undefined;
    for await (const chunk of createReadStream(path, { start: pkg.payloadOffset, highWaterMark: 1 << 20 })) {
      throwIfAborted(options.signal);
      md5Hash?.update(chunk as Buffer);
      payload?.update(chunk as Buffer);
    }
    if (md5Hash) {
      const actual = md5Hash.digest('hex');
      const expected = Buffer.from(md5!).toString('hex');
      if (actual !== expected) throw mismatch('MD5', expected, actual);
      digests.push('md5');
    }
    if (payload) {
      const actual = payload.digest('hex');
      if (actual !== info.digest) throw mismatch('payload', info.digest!, actual);
      digests.push('payload');
    }
  }

  const keys = options.keyring ? await readKeyring(options.keyring) : [];
  const signatures: SignatureCheck[] = [];
  for (const [tag, name, withPayload] of SIGNATURE_TAGS) {
    const packet = headerBytes(sig, tag);
    if (!packet) continue;
    const openpgp = await loadOpenpgp();
    let signature: OpenPgp.Signature;
    try {
      signature = await openpgp.readSignature({ binarySignature: packet });
    } catch (err) {
      throw new SignatureInvalidError(`${path}: ${name} signature is not an OpenPGP signature`, { cause: err, data: { path, tag: name, reason: 'malformed' } });
    }
    const check = describeSignature(openpgp, signature, name);
    const key = keys.find((k) => k.getKeys().some((sub) => sub.getKeyID().toHex() === check.keyId));
    if (!key) {
      throw new SignatureInvalidError(`${path}: ${name} signature by key ${check.keyId}, which is not in the keyring`, {
        data: { path, tag: name, keyId: check.keyId, reason: 'no-key' },
      });
    }
    let data: Uint8Array = pkg.headerBytes;
    if (withPayload) {
      const chunks: Uint8Array[] = [pkg.headerBytes];
      for await (const c of createReadStream(path, { start: pkg.payloadOffset })) chunks.push(c as Buffer);
      data = Buffer.concat(chunks);
    }
    const message = await openpgp.createMessage({ binary: data });
    const result = await openpgp.verify({ message, signature, verificationKeys: [key], format: 'binary' });
    let valid = false;
    let cause: unknown;
    try {
      valid = (await result.signatures[0]?.verified) === true;
    } catch (err) {
      cause = err;
    }
    if (!valid) {
      throw new SignatureInvalidError(`${path}: ${name} signature by key ${check.keyId} does not verify`, {
        cause,
        data: { path, tag: name, keyId: check.keyId, reason: 'bad-signature' },
      });
    }
    signatures.push(check);
  }
  if (signatures.length === 0 && options.requireSignature) {
    throw new SignatureInvalidError(`${path}: package is not signed`, { data: { path, reason: 'unsigned' } });
  }
  return { signed: signatures.length > 0, signatures, digests };
}

/** The key ids of the signatures a package carries, without verifying anything. */
export async function packageSignatureKeyIds(path: string): Promise<string[]> {
  const pkg = await readPackageHeaders(path);
  const ids: string[] = [];
  for (const [tag, name] of SIGNATURE_TAGS) {
    const packet = headerBytes(pkg.signature, tag);
    if (!packet) continue;
    const openpgp = await loadOpenpgp();
    ids.push(describeSignature(openpgp, await openpgp.readSignature({ binarySignature: packet }), name).keyId);
  }
  return ids;
}

