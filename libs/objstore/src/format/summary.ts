import { InvalidArgumentError, ParseError } from '@tsostree/errors';
import { parseGVariant } from './gvariant/parse.js';
import { serializeGVariant } from './gvariant/serialize.js';
import { Variant, vardictGet } from './gvariant/value.js';
import { assertMetadataSize, checksumFromBytes, checksumToBytes, sha256Hex } from './checksum.js';
import { parseCommit } from './commit.js';
import { variantBool, variantBytes, variantString, variantU64BE } from './metadata.js';
import { compareNames } from './xattrs.js';

/**
 * Repository summary (`summary`).
 *
 * ostree type `(a(s(taya{sv}))a{sv})` (ostree-core.h `OSTREE_SUMMARY_GVARIANT_STRING`):
 * - `a(s(taya{sv}))` refs sorted by name: name → (commit object size, commit checksum, metadata)
 *   - `t` the size of the commit object in bytes — **host (little-endian) order**, unlike every
 *     other integer ostree stores
 *   - `ay` commit checksum (32 bytes)
 *   - `a{sv}` `ostree.commit.timestamp` (`t`, big-endian), `ostree.commit.version` (`s`) when set
 * - `a{sv}` global metadata: `ostree.static-deltas` (`a{sv}` delta name → `ay` superblock checksum),
 *   `ostree.summary.last-modified` (`t` BE), `ostree.summary.expires` (`t` BE),
 *   `ostree.summary.mode` (`s`), `ostree.summary.tombstone-commits` (`b`),
 *   `ostree.summary.indexed-deltas` (`b`), `ostree.summary.collection-id` (`s`),
 *   `ostree.summary.collection-map`
 */
export const SUMMARY_GVARIANT_TYPE = '(a(s(taya{sv}))a{sv})';

export const SUMMARY_KEYS = {
  commitTimestamp: 'ostree.commit.timestamp',
  commitVersion: 'ostree.commit.version',
  staticDeltas: 'ostree.static-deltas',
  lastModified: 'ostree.summary.last-modified',
  expires: 'ostree.summary.expires',
  mode: 'ostree.summary.mode',
  tombstoneCommits: 'ostree.summary.tombstone-commits',
  indexedDeltas: 'ostree.summary.indexed-deltas',
  collectionId: 'ostree.summary.collection-id',
  collectionMap: 'ostree.summary.collection-map',
} as const;

export interface SummaryRef {
  name: string;
  /** Size in bytes of the commit object. */
  commitSize: number;
  /** Commit checksum, hex. */
  checksum: string;
  metadata: [string, Variant][];
}

export interface Summary {
  refs: SummaryRef[];
  metadata: [string, Variant][];
}

/** Serializes a summary; refs are sorted by name (strcmp) and must be unique. */
export function serializeSummary(summary: Summary): Uint8Array {
  const refs = [...summary.refs].sort((a, b) => compareNames(a.name, b.name));
  for (let i = 1; i < refs.length; i++) {
    if (refs[i]!.name === refs[i - 1]!.name) throw new InvalidArgumentError(`duplicate ref ${JSON.stringify(refs[i]!.name)} in summary`);
  }
  return serializeGVariant(SUMMARY_GVARIANT_TYPE, [
    refs.map((r) => {
      if (!Number.isSafeInteger(r.commitSize) || r.commitSize < 0) throw new InvalidArgumentError(`invalid commit size ${r.commitSize}`);
      return [r.name, [BigInt(r.commitSize), checksumToBytes(r.checksum), r.metadata]];
    }),
    summary.metadata,
  ]);
}

/** Parses a summary; refs must be sorted and unique (clients binary-search them), checksums 32 bytes. */
export function parseSummary(bytes: Uint8Array): Summary {
  assertMetadataSize('summary', bytes.length);
  const [rawRefs, metadata] = parseGVariant(SUMMARY_GVARIANT_TYPE, bytes) as [[string, [bigint, Uint8Array, [string, Variant][]]][], [string, Variant][]];
  const refs = rawRefs.map(([name, [size, csum, md]]) => {
    if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new ParseError(`summary commit size ${size} out of range for ${JSON.stringify(name)}`);
    return { name, commitSize: Number(size), checksum: checksumFromBytes(csum), metadata: md };
  });
  for (let i = 1; i < refs.length; i++) {
    const c = compareNames(refs[i - 1]!.name, refs[i]!.name);
    if (c >= 0) throw new ParseError(`summary refs are not sorted and unique at ${JSON.stringify(refs[i]!.name.slice(0, 80))}`);
  }
  return { refs, metadata };
}

/**
 * A summary ref entry for a commit, as `ostree summary -u` writes it: the commit object's size and
 * checksum, then `ostree.commit.version` (when the commit has a `version`) and
 * `ostree.commit.timestamp` (big-endian), in that order.
 */
export function summaryRefFromCommit(name: string, commitBytes: Uint8Array): SummaryRef {
  const commit = parseCommit(commitBytes);
  const metadata: [string, Variant][] = [];
  const version = vardictGet(commit.metadata, 'version', 's');
  if (typeof version === 'string') metadata.push([SUMMARY_KEYS.commitVersion, variantString(version)]);
  metadata.push([SUMMARY_KEYS.commitTimestamp, variantU64BE(commit.timestamp)]);
  return { name, commitSize: commitBytes.length, checksum: sha256Hex(commitBytes), metadata };
}

export interface SummaryMetadataOptions {
  /** The `[core] mode` as written in the config, e.g. `archive-z2`, `bare`, `bare-user`. */
  mode: string;
  /** Seconds since the epoch. */
  lastModified: number;
  tombstoneCommits: boolean;
  /** Static deltas to list (name → superblock checksum), in the order to write them. */
  staticDeltas?: readonly { name: string; superblockChecksum: string }[];
  /** ostree 2020.7+ always writes `true`. */
  indexedDeltas?: boolean;
  collectionId?: string;
  /** Seconds since the epoch; written only when set. */
  expires?: number;
}

/**
 * The global summary metadata in the order ostree 2022.7 writes it: mode, last-modified,
 * tombstone-commits, static-deltas (when any), indexed-deltas, collection-id (when set), expires.
 */
export function summaryMetadata(o: SummaryMetadataOptions): [string, Variant][] {
  const md: [string, Variant][] = [
    [SUMMARY_KEYS.mode, variantString(o.mode)],
    [SUMMARY_KEYS.lastModified, variantU64BE(o.lastModified)],
    [SUMMARY_KEYS.tombstoneCommits, variantBool(o.tombstoneCommits)],
  ];
  if (o.staticDeltas && o.staticDeltas.length > 0) {
    md.push([SUMMARY_KEYS.staticDeltas, new Variant('a{sv}', o.staticDeltas.map((d) => [d.name, variantBytes(checksumToBytes(d.superblockChecksum))]))]);
  }
  md.push([SUMMARY_KEYS.indexedDeltas, variantBool(o.indexedDeltas ?? true)]);
  if (o.collectionId !== undefined) md.push([SUMMARY_KEYS.collectionId, variantString(o.collectionId)]);
  if (o.expires !== undefined) md.push([SUMMARY_KEYS.expires, variantU64BE(o.expires)]);
  return md;
}
