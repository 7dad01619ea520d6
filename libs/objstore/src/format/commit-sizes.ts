import { InvalidArgumentError, ParseError } from '@tsostree/errors';
import { Variant } from './gvariant/value.js';
import { checksumFromBytes, checksumToBytes } from './checksum.js';
import { OBJECT_TYPE_CODES, type DeltaObjectType } from './static-delta.js';
import { readVarUint, writeVarUint } from './varint.js';

/**
 * The `ostree.sizes` commit metadata written by `ostree commit --generate-sizes`: type `aay`, one
 * entry per object of the commit, sorted by checksum, each the 32 checksum bytes, the archived
 * (compressed `.filez`, or metadata object) size and the unpacked size (content size, symlink target
 * length, or metadata object size) as varints, then the object
 * type byte (ostree ≥ 2020; older entries stop after the sizes).
 */
export const COMMIT_SIZES_KEY = 'ostree.sizes';

export interface CommitSizeEntry {
  checksum: string;
  archived: number;
  unpacked: number;
  /** Absent in entries written by older ostree. */
  type?: DeltaObjectType;
}

const TYPE_BY_CODE = new Map<number, DeltaObjectType>(Object.entries(OBJECT_TYPE_CODES).map(([k, v]) => [v, k as DeltaObjectType]));

/** Decodes the entries of an `ostree.sizes` value. */
export function parseCommitSizes(entries: readonly Uint8Array[]): CommitSizeEntry[] {
  return entries.map((e, i) => {
    if (e.length < 34) throw new ParseError(`ostree.sizes entry ${i} is too short`, { data: { entry: i } });
    const checksum = checksumFromBytes(e.subarray(0, 32));
    let archived: number;
    let unpacked: number;
    let pos: number;
    [archived, pos] = readVarUint(e, 32);
    [unpacked, pos] = readVarUint(e, pos);
    if (pos === e.length) return { checksum, archived, unpacked };
    const type = TYPE_BY_CODE.get(e[pos]!);
    if (pos !== e.length - 1 || !type) throw new ParseError(`ostree.sizes entry ${i} has trailing bytes`, { data: { entry: i } });
    return { checksum, archived, unpacked, type };
  });
}

/** The `ostree.sizes` value (`aay`) for entries, sorted by checksum like ostree writes them. */
export function commitSizesVariant(entries: readonly CommitSizeEntry[]): Variant {
  const sorted = [...entries].sort((a, b) => (a.checksum < b.checksum ? -1 : a.checksum > b.checksum ? 1 : 0));
  return new Variant(
    'aay',
    sorted.map((e) => {
      const parts = [checksumToBytes(e.checksum), writeVarUint(e.archived), writeVarUint(e.unpacked)];
      if (e.type !== undefined) {
        const code = OBJECT_TYPE_CODES[e.type];
        if (code === undefined) throw new InvalidArgumentError(`unknown object type ${String(e.type)}`);
        parts.push(Uint8Array.of(code));
      }
      return Uint8Array.from(Buffer.concat(parts));
    }),
  );
}
