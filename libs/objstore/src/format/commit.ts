import { InvalidArgumentError, ParseError } from '@tsostree/errors';
import { parseGVariant } from './gvariant/parse.js';
import { serializeGVariant } from './gvariant/serialize.js';
import type { GVariantValue, Variant } from './gvariant/value.js';
import { assertMetadataSize, checksumFromBytes, checksumToBytes } from './checksum.js';
import { bswap64 } from './validate.js';

/**
 * Commit (`.commit`).
 *
 * ostree type `(a{sv}aya(say)sstayay)` (ostree-core.h `OSTREE_COMMIT_GVARIANT_STRING`):
 * - `a{sv}` metadata (`version`, `ostree.ref-binding`, …)
 * - `ay` parent checksum, empty for a first commit
 * - `a(say)` related objects: name, commit checksum
 * - `s` subject
 * - `s` body
 * - `t` timestamp, seconds since the epoch (UTC), **big-endian**
 * - `ay` root dirtree checksum (32 bytes)
 * - `ay` root dirmeta checksum (32 bytes)
 */
export const COMMIT_GVARIANT_TYPE = '(a{sv}aya(say)sstayay)';

export interface CommitRelated {
  name: string;
  checksum: string;
}

export interface Commit {
  metadata: [string, Variant][];
  /** Parent commit checksum (hex), or null for a first commit. */
  parent: string | null;
  related: CommitRelated[];
  subject: string;
  body: string;
  /** Seconds since the epoch, UTC. */
  timestamp: number;
  /** Root `.dirtree` checksum, hex. */
  rootTree: string;
  /** Root `.dirmeta` checksum, hex. */
  rootMeta: string;
}

/** The GVariant value of a commit (for embedding, e.g. in a static delta superblock). */
export function commitToGVariant(commit: Commit): GVariantValue {
  if (!Number.isSafeInteger(commit.timestamp) || commit.timestamp < 0) {
    throw new InvalidArgumentError(`invalid commit timestamp ${commit.timestamp}`, { data: { timestamp: commit.timestamp } });
  }
  return [
    commit.metadata,
    commit.parent === null ? new Uint8Array(0) : checksumToBytes(commit.parent),
    commit.related.map((r) => [r.name, checksumToBytes(r.checksum)]),
    commit.subject,
    commit.body,
    bswap64(BigInt(commit.timestamp)),
    checksumToBytes(commit.rootTree),
    checksumToBytes(commit.rootMeta),
  ];
}

/** Serializes a commit object. Metadata entries are written in the order given. */
export function serializeCommit(commit: Commit): Uint8Array {
  return serializeGVariant(COMMIT_GVARIANT_TYPE, commitToGVariant(commit));
}

/** Parses and validates a commit (`ostree_validate_structureof_commit`: 32-byte checksums, empty or 32-byte parent). */
export function parseCommit(bytes: Uint8Array): Commit {
  assertMetadataSize('commit', bytes.length);
  return commitFromGVariant(parseGVariant(COMMIT_GVARIANT_TYPE, bytes));
}

/** A commit from its parsed GVariant value, validated like {@link parseCommit}. */
export function commitFromGVariant(value: GVariantValue): Commit {
  const [metadata, parent, related, subject, body, ts, rootTree, rootMeta] = value as [
    [string, Variant][],
    Uint8Array,
    [string, Uint8Array][],
    string,
    string,
    bigint,
    Uint8Array,
    Uint8Array,
  ];
  const timestamp = bswap64(ts);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new ParseError(`commit timestamp ${timestamp} out of range`, { data: { timestamp: String(timestamp) } });
  return {
    metadata,
    parent: parent.length === 0 ? null : checksumFromBytes(parent),
    related: related.map(([name, csum]) => ({ name, checksum: checksumFromBytes(csum) })),
    subject,
    body,
    timestamp: Number(timestamp),
    rootTree: checksumFromBytes(rootTree),
    rootMeta: checksumFromBytes(rootMeta),
  };
}

