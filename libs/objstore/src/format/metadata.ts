import { ParseError } from '@tsostree/errors';
import { parseGVariant } from './gvariant/parse.js';
import { serializeGVariant } from './gvariant/serialize.js';
import { Variant, vardictGet } from './gvariant/value.js';
import { assertMetadataSize, checksumToBytes } from './checksum.js';
import { bswap64 } from './validate.js';

/**
 * `a{sv}` metadata: commit metadata, detached commit metadata (`.commitmeta`), `summary.sig`,
 * tombstones, and the builders for common values.
 *
 * Detached commit metadata, ostree type `a{sv}`: `ostree.gpgsigs` `aay` (binary OpenPGP signatures
 * over the commit bytes), `ostree.sign.ed25519` `aay` (64-byte signatures), `ostree.sign.spki` `aay`.
 * Tombstone commit (`.tombstone-commit`), ostree type `a{sv}`: `commit` → `ay`, the hex checksum of
 * the deleted commit as a NUL-terminated byte string (ostree-repo.c, `g_variant_new_bytestring`).
 */
export const VARDICT_GVARIANT_TYPE = 'a{sv}';

/** Well-known metadata keys (ostree-core.h `OSTREE_COMMIT_META_KEY_*`, ostree-core-private.h, otcore.h). */
export const META_KEYS = {
  version: 'version',
  refBinding: 'ostree.ref-binding',
  collectionBinding: 'ostree.collection-binding',
  bootable: 'ostree.bootable',
  linux: 'ostree.linux',
  endOfLife: 'ostree.endoflife',
  endOfLifeRebase: 'ostree.endoflife-rebase',
  sourceTitle: 'ostree.source-title',
  architecture: 'ostree.architecture',
  gpgSigs: 'ostree.gpgsigs',
  signEd25519: 'ostree.sign.ed25519',
  signSpki: 'ostree.sign.spki',
  composefsDigest: 'ostree.composefs.digest.v0',
} as const;

/** Serializes an `a{sv}` (entries in the given order, as GLib's builder writes them). */
export function serializeVarDict(dict: readonly (readonly [string, Variant])[]): Uint8Array {
  return serializeGVariant(VARDICT_GVARIANT_TYPE, dict as [string, Variant][]);
}

/** Parses an `a{sv}` metadata object, refusing anything above ostree's metadata size limit. */
export function parseVarDict(bytes: Uint8Array, what = 'metadata'): [string, Variant][] {
  assertMetadataSize(what, bytes.length);
  return parseGVariant(VARDICT_GVARIANT_TYPE, bytes) as [string, Variant][];
}

/** Serializes detached commit metadata (`.commitmeta`). */
export const serializeDetachedMetadata = serializeVarDict;

/** Parses detached commit metadata (`.commitmeta`). */
export function parseDetachedMetadata(bytes: Uint8Array): [string, Variant][] {
  return parseVarDict(bytes, 'detached commit metadata');
}

/** Serializes a `summary.sig` (`a{sv}` of signatures over the summary bytes). */
export const serializeSummarySignatures = serializeVarDict;

/** Parses a `summary.sig`. */
export function parseSummarySignatures(bytes: Uint8Array): [string, Variant][] {
  return parseVarDict(bytes, 'summary.sig');
}

/** `s` */
export const variantString = (s: string): Variant => new Variant('s', s);
/** `as` */
export const variantStrings = (list: readonly string[]): Variant => new Variant('as', [...list]);
/** `b` */
export const variantBool = (b: boolean): Variant => new Variant('b', b);
/** `ay` */
export const variantBytes = (b: Uint8Array): Variant => new Variant('ay', b);
/** `aay`, e.g. a list of signatures. */
export const variantByteArrays = (list: readonly Uint8Array[]): Variant => new Variant('aay', [...list]);
/** `t` stored big-endian, as ostree stores timestamps in metadata. */
export const variantU64BE = (n: number | bigint): Variant => new Variant('t', bswap64(BigInt(n)));
/** A `t` value stored big-endian, back as a number (undefined when absent or of another type). */
export function vardictU64BE(dict: readonly (readonly [string, Variant])[], key: string): number | undefined {
  const v = vardictGet(dict, key, 't');
  return typeof v === 'bigint' ? Number(bswap64(v)) : undefined;
}

/** Serializes a `.tombstone-commit` object for a deleted commit. */
export function serializeTombstone(commitChecksum: string): Uint8Array {
  checksumToBytes(commitChecksum);
  const b = new Uint8Array(65);
  for (let i = 0; i < 64; i++) b[i] = commitChecksum.charCodeAt(i);
  return serializeVarDict([['commit', variantBytes(b)]]);
}

/** The deleted commit's checksum from a `.tombstone-commit` object. */
export function parseTombstone(bytes: Uint8Array): string {
  const dict = parseVarDict(bytes, 'tombstone');
  const v = vardictGet(dict, 'commit', 'ay');
  if (!(v instanceof Uint8Array) || v.length !== 65 || v[64] !== 0) throw new ParseError('tombstone has no valid "commit" entry');
  const s = Buffer.from(v.subarray(0, 64)).toString('latin1');
  if (!/^[0-9a-f]{64}$/.test(s)) throw new ParseError('tombstone "commit" is not a checksum');
  return s;
}

