/**
 * The signature header's sizes and digests (rpm's RPMSIGTAG_*): SIZE/LONGSIZE (header + payload
 * bytes), PAYLOADSIZE/LONGARCHIVESIZE (uncompressed payload bytes), MD5 (of header + payload),
 * SHA1 and SHA256 (of the main header), and which OpenPGP signatures are present.
 */
import { headerBytes, headerNumber, headerString, type Header } from './header.js';
import { SIG_TAG } from './tags.js';

export interface SignatureInfo {
  /** Bytes of main header + payload, when recorded. */
  size?: number;
  /** Uncompressed payload bytes, when recorded. */
  payloadSize?: number;
  /** Hex digests. */
  md5?: string;
  sha1?: string;
  sha256?: string;
  /** Signature tags present: RSAHEADER, DSAHEADER, PGP, GPG. */
  signatures: string[];
}

export function signatureInfo(sig: Header): SignatureInfo {
  const info: SignatureInfo = { signatures: [] };
  const size = headerNumber(sig, SIG_TAG.LONGSIZE) ?? headerNumber(sig, SIG_TAG.SIZE);
  if (size !== undefined) info.size = size;
  const payloadSize = headerNumber(sig, SIG_TAG.LONGARCHIVESIZE) ?? headerNumber(sig, SIG_TAG.PAYLOADSIZE);
  if (payloadSize !== undefined) info.payloadSize = payloadSize;
  const md5 = headerBytes(sig, SIG_TAG.MD5);
  if (md5) info.md5 = Array.from(md5, (b) => b.toString(16).padStart(2, '0')).join('');
  const sha1 = headerString(sig, SIG_TAG.SHA1);
  if (sha1 !== undefined) info.sha1 = sha1;
  const sha256 = headerString(sig, SIG_TAG.SHA256);
  if (sha256 !== undefined) info.sha256 = sha256;
  for (const [tag, name] of [
    [SIG_TAG.RSA, 'RSAHEADER'],
    [SIG_TAG.DSA, 'DSAHEADER'],
    [SIG_TAG.PGP, 'PGP'],
    [SIG_TAG.GPG, 'GPG'],
  ] as const) {
    if (sig.entries.has(tag)) info.signatures.push(name);
  }
  return info;
}
