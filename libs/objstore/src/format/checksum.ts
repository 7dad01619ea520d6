import { createHash } from 'node:crypto';
import { InvalidArgumentError, ParseError } from '@tsostree/errors';

/**
 * Checksum helpers and ostree's limits (ostree-core.h).
 *
 * Inside objects a checksum is 32 raw SHA-256 bytes; in paths, refs and our object models it is 64
 * lowercase hex characters. Static deltas name commits in "modified base64" (mb64): base64 of the 32
 * bytes without `=` padding and with `/` replaced by `_` (ostree-core.c `ostree_checksum_b64_*`).
 */

/** `OSTREE_SHA256_DIGEST_LEN`. */
export const OSTREE_SHA256_DIGEST_LEN = 32;
/** `OSTREE_SHA256_STRING_LEN`. */
export const OSTREE_SHA256_STRING_LEN = 64;
/** `OSTREE_MAX_METADATA_SIZE`: the largest metadata object (commit, dirtree, dirmeta, detached metadata…) accepted. */
export const OSTREE_MAX_METADATA_SIZE = 128 * 1024 * 1024;
/** `OSTREE_MAX_METADATA_WARN_SIZE`: ostree warns when committing metadata objects larger than this. */
export const OSTREE_MAX_METADATA_WARN_SIZE = 7 * 1024 * 1024;
/** `OSTREE_MAX_RECURSION`: the deepest directory nesting ostree follows. */
export const OSTREE_MAX_RECURSION = 256;

const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Value of a lowercase hex digit by char code, -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

/** Hex of 32 checksum bytes. Throws `ParseError` when `bytes` is not 32 bytes long (`ostree_validate_structureof_csum_v`). */
export function checksumFromBytes(bytes: Uint8Array, offset?: number): string {
  if (bytes.length !== OSTREE_SHA256_DIGEST_LEN) {
    throw new ParseError(`invalid checksum of length ${bytes.length}, expected ${OSTREE_SHA256_DIGEST_LEN}`, { offset });
  }
  let s = '';
  for (let i = 0; i < 32; i++) s += HEX_PAIRS[bytes[i]!]!;
  return s;
}

/** Decodes a 64-character lowercase hex checksum into `out` at `at`; false when it is not one. */
function decodeHex(checksum: string, out: Uint8Array, at: number): boolean {
  if (checksum.length !== 64) return false;
  for (let i = 0; i < 32; i++) {
    const a = checksum.charCodeAt(2 * i);
    const b = checksum.charCodeAt(2 * i + 1);
    const hi = a < 128 ? HEX_VALUE[a]! : -1;
    const lo = b < 128 ? HEX_VALUE[b]! : -1;
    if (hi < 0 || lo < 0) return false;
    out[at + i] = (hi << 4) | lo;
  }
  return true;
}

/** The 32 bytes of a 64-character lowercase hex checksum. Throws `InvalidArgumentError` for anything else. */
export function checksumToBytes(checksum: string): Uint8Array {
  const out = new Uint8Array(32);
  if (!decodeHex(checksum, out, 0)) {
    throw new InvalidArgumentError(`invalid checksum ${JSON.stringify(checksum.slice(0, 80))}`, { data: { checksum: checksum.slice(0, 80) } });
  }
  return out;
}

/** ostree's modified base64 of a checksum (43 characters, `/` → `_`, no padding). */
export function checksumToMb64(checksum: string | Uint8Array): string {
  const bytes = typeof checksum === 'string' ? checksumToBytes(checksum) : checksum;
  if (bytes.length !== OSTREE_SHA256_DIGEST_LEN) {
    throw new InvalidArgumentError(`invalid checksum of length ${bytes.length}`, { data: { length: bytes.length } });
  }
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '').replace(/\//g, '_');
}

const MB64_RE = /^[A-Za-z0-9+_]{42}[AEIMQUYcgkosw048]$/;

/** Inverse of {@link checksumToMb64}: hex checksum of a 43-character modified-base64 string. */
export function checksumFromMb64(mb64: string): string {
  if (!MB64_RE.test(mb64)) {
    throw new InvalidArgumentError(`invalid modified-base64 checksum ${JSON.stringify(mb64.slice(0, 80))}`, { data: { mb64: mb64.slice(0, 80) } });
  }
  return Buffer.from(mb64.replace(/_/g, '/') + '=', 'base64').toString('hex');
}

/** SHA-256 hex of one or more byte chunks (the checksum of a metadata object is the SHA-256 of its bytes). */
export function sha256Hex(...chunks: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

/** Throws `ParseError` when a metadata object is larger than {@link OSTREE_MAX_METADATA_SIZE}. */
export function assertMetadataSize(what: string, size: number, max = OSTREE_MAX_METADATA_SIZE): void {
  if (size > max) throw new ParseError(`${what} of ${size} bytes exceeds the maximum metadata size ${max}`, { offset: 0, data: { size, max } });
}
