import { InvalidArgumentError, ParseError } from '@tsostree/errors';
import { parseGVariant } from './gvariant/parse.js';
import { serializeGVariant } from './gvariant/serialize.js';
import { Variant, vardictGet } from './gvariant/value.js';
import { assertMetadataSize, checksumFromBytes, checksumToBytes, checksumToMb64 } from './checksum.js';
import { commitFromGVariant, commitToGVariant, type Commit } from './commit.js';
import { bswap32, bswap64 } from './validate.js';
import { readVarUint, writeVarUint } from './varint.js';
import { xattrsFromGVariant, xattrsToGVariant, type XattrEntry } from './xattrs.js';

/**
 * Static deltas (ostree-repo-static-delta-private.h), pure formats: paths, the superblock, part
 * files and their payload, the operation stream, and delta indexes.
 *
 * Superblock, ostree type `(a{sv}tayay(a{sv}aya(say)sstayay)aya(uayttay)a(yaytt))`:
 * - `a{sv}` metadata: `ostree.endianness` (`y`, `'l'` or `'B'`: the byte order of the sizes below);
 *   an inline part is stored under its path (`deltas/…/N`) as `(yay)` (compression, payload)
 * - `t` creation timestamp, big-endian
 * - `ay` from-commit checksum (empty for a delta from scratch), `ay` to-commit checksum
 * - the new commit object itself
 * - `ay` prerequisite deltas, concatenated (from, to) checksum pairs (64 bytes each)
 * - `a(uayttay)` parts: version (0), SHA-256 of the part file, size, uncompressed size, and the
 *   objects it creates as 33-byte records (object type byte + checksum)
 * - `a(yaytt)` fallbacks fetched as loose objects: type, checksum, compressed size, uncompressed size
 *
 * Part file: one compression byte (`0` none, `'x'` xz), then the (compressed) payload
 * `(a(uuu)aa(ayay)ayay)`: modes (uid, gid, mode, big-endian), xattr sets, raw data, operations.
 */
export const DELTA_SUPERBLOCK_GVARIANT_TYPE = '(a{sv}tayay(a{sv}aya(say)sstayay)aya(uayttay)a(yaytt))';
export const DELTA_PART_PAYLOAD_GVARIANT_TYPE = '(a(uuu)aa(ayay)ayay)';
/** A signed superblock: magic, the superblock bytes, signatures. */
export const DELTA_SIGNED_SUPERBLOCK_GVARIANT_TYPE = '(taya{sv})';
/** `OSTREE_STATIC_DELTA_SIGNED_MAGIC` ("OSTSGNDT"). */
export const DELTA_SIGNED_MAGIC = 0x4f535453474e4454n;
/** `OSTREE_STATIC_DELTA_PART_MAX_SIZE_BYTES`… as a bound on uncompressed parts we accept. */
export const DELTA_PART_MAX_UNCOMPRESSED = 1024 * 1024 * 1024;

/** Object types by their numeric `OstreeObjectType` value, as stored in deltas. */
export const OBJECT_TYPE_CODES = {
  file: 1,
  dirtree: 2,
  dirmeta: 3,
  commit: 4,
  'tombstone-commit': 5,
  commitmeta: 6,
  'payload-link': 7,
  'file-xattrs': 8,
  'file-xattrs-link': 9,
} as const;
export type DeltaObjectType = keyof typeof OBJECT_TYPE_CODES;
const TYPE_BY_CODE = new Map<number, DeltaObjectType>(Object.entries(OBJECT_TYPE_CODES).map(([k, v]) => [v, k as DeltaObjectType]));

export interface DeltaObject {
  type: DeltaObjectType;
  checksum: string;
}

export interface DeltaPartMeta {
  version: number;
  /** SHA-256 (hex) of the part file (compression byte included). */
  checksum: string;
  size: number;
  uncompressedSize: number;
  objects: DeltaObject[];
}

export interface DeltaFallback {
  type: DeltaObjectType;
  checksum: string;
  compressedSize: number;
  uncompressedSize: number;
}

export interface DeltaSuperblock {
  metadata: [string, Variant][];
  /**
   * Byte order of the sizes: from `ostree.endianness`, or, for deltas written before that key
   * existed, guessed like ostree (an average part size per object above 4 GiB means swapped).
   */
  byteOrder: 'little' | 'big';
  /** Seconds since the epoch. */
  timestamp: number;
  /** Null for a delta from scratch. */
  from: string | null;
  to: string;
  commit: Commit;
  prerequisites: { from: string; to: string }[];
  parts: DeltaPartMeta[];
  fallbacks: DeltaFallback[];
}

/** The delta's name as `ostree static-delta list` prints it: `FROM-TO`, or `TO` from scratch. */
export function staticDeltaName(from: string | null, to: string): string {
  return from === null ? to : `${from}-${to}`;
}

/** `{ from, to }` from a delta name. */
export function parseStaticDeltaName(name: string): { from: string | null; to: string } {
  const m = /^(?:([0-9a-f]{64})-)?([0-9a-f]{64})$/.exec(name);
  if (!m) throw new InvalidArgumentError(`invalid static delta name ${JSON.stringify(name.slice(0, 140))}`);
  return { from: m[1] ?? null, to: m[2]! };
}

/**
 * The delta directory relative to the repo: `deltas/<mb64(from)[0:2]>/<mb64(from)[2:]>-<mb64(to)>`,
 * or `deltas/<mb64(to)[0:2]>/<mb64(to)[2:]>` from scratch (ostree-core.c `_ostree_get_relative_static_delta_path`).
 * Parts are `<dir>/<N>`, the superblock `<dir>/superblock`.
 */
export function staticDeltaDir(from: string | null, to: string): string {
  const t = checksumToMb64(to);
  if (from === null) return `deltas/${t.slice(0, 2)}/${t.slice(2)}`;
  const f = checksumToMb64(from);
  return `deltas/${f.slice(0, 2)}/${f.slice(2)}-${t}`;
}

/** `delta-indexes/<mb64(to)[0:2]>/<mb64(to)[2:]>.index`. */
export function deltaIndexPath(to: string): string {
  const t = checksumToMb64(to);
  return `delta-indexes/${t.slice(0, 2)}/${t.slice(2)}.index`;
}

function u64(v: bigint, little: boolean): number {
  const x = little ? v : bswap64(v);
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw new ParseError(`delta size ${x} out of range`);
  return Number(x);
}

function toU64(n: number, little: boolean): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`invalid size ${n}`);
  return little ? BigInt(n) : bswap64(BigInt(n));
}

function objectsFromBytes(b: Uint8Array): DeltaObject[] {
  if (b.length % 33 !== 0) throw new ParseError(`delta object list of ${b.length} bytes is not a multiple of 33`);
  const out: DeltaObject[] = [];
  for (let i = 0; i < b.length; i += 33) {
    const type = TYPE_BY_CODE.get(b[i]!);
    if (!type) throw new ParseError(`invalid object type ${b[i]} in delta`);
    out.push({ type, checksum: checksumFromBytes(b.subarray(i + 1, i + 33)) });
  }
  return out;
}

function objectsToBytes(objects: readonly DeltaObject[]): Uint8Array {
  const out = new Uint8Array(objects.length * 33);
  objects.forEach((o, i) => {
    out[i * 33] = OBJECT_TYPE_CODES[o.type];
    out.set(checksumToBytes(o.checksum), i * 33 + 1);
  });
  return out;
}

/** The byte order declared by `ostree.endianness`, or undefined when the key is absent (pre-2016 deltas). */
export function deltaDeclaredByteOrder(metadata: readonly (readonly [string, Variant])[]): 'little' | 'big' | undefined {
  const e = vardictGet(metadata, 'ostree.endianness', 'y');
  if (e === undefined) return undefined;
  if (e === 0x6c) return 'little';
  if (e === 0x42) return 'big';
  throw new ParseError(`invalid ostree.endianness ${String(e)}`);
}

/**
 * The byte order of a delta without `ostree.endianness` (written before 2016). ostree guesses
 * (`_ostree_delta_get_endianness`): reading the part sizes in host order, a part more than 1.2x
 * larger compressed than uncompressed, or an average above 4 GiB per object, means "swapped".
 * We apply the same rule on a little-endian host, but when that guess would make a size
 * impossible (above 2^53 bytes) we take the other order: ostree's ratio rule misfires on tiny
 * parts that compression made bigger, and then shows sizes of exabytes.
 */
function guessByteOrder(parts: readonly [number, Uint8Array, bigint, bigint, Uint8Array][]): 'little' | 'big' {
  let size = 0n;
  let objects = 0n;
  let swapped = false;
  for (const [, , sz, usz, objs] of parts) {
    size += sz;
    objects += BigInt(Math.floor(objs.length / 33));
    if (sz > usz && Number(sz) / Number(usz) > 1.2) {
      swapped = true;
      break;
    }
  }
  if (!swapped && objects > 0n && size / objects > 0xffffffffn) swapped = true;
  const guess = swapped ? 'big' : 'little';
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  const plausible = (order: 'little' | 'big'): boolean =>
    parts.every(([, , sz, usz]) => (order === 'little' ? sz : bswap64(sz)) <= max && (order === 'little' ? usz : bswap64(usz)) <= max);
  if (plausible(guess)) return guess;
  const other = guess === 'big' ? 'little' : 'big';
  return plausible(other) ? other : guess;
}

type RawSuperblock = [[string, Variant][], bigint, Uint8Array, Uint8Array, unknown, Uint8Array, [number, Uint8Array, bigint, bigint, Uint8Array][], [number, Uint8Array, bigint, bigint][]];

/** Parses and validates a superblock. */
export function parseDeltaSuperblock(bytes: Uint8Array): DeltaSuperblock {
  assertMetadataSize('delta superblock', bytes.length);
  const [metadata, ts, from, to, commit, prereq, parts, fallbacks] = parseGVariant(DELTA_SUPERBLOCK_GVARIANT_TYPE, bytes) as RawSuperblock;
  const byteOrder = deltaDeclaredByteOrder(metadata) ?? guessByteOrder(parts);
  const little = byteOrder === 'little';
  if (prereq.length % 64 !== 0) throw new ParseError('delta prerequisite list is not made of checksum pairs');
  const prerequisites: { from: string; to: string }[] = [];
  for (let i = 0; i < prereq.length; i += 64) prerequisites.push({ from: checksumFromBytes(prereq.subarray(i, i + 32)), to: checksumFromBytes(prereq.subarray(i + 32, i + 64)) });
  return {
    metadata,
    byteOrder,
    timestamp: u64(ts, false),
    from: from.length === 0 ? null : checksumFromBytes(from),
    to: checksumFromBytes(to),
    commit: commitFromGVariant(commit as never),
    prerequisites,
    parts: parts.map(([version, csum, size, usize, objects]) => ({
      version: little ? version : bswap32(version),
      checksum: checksumFromBytes(csum),
      size: u64(size, little),
      uncompressedSize: u64(usize, little),
      objects: objectsFromBytes(objects),
    })),
    fallbacks: fallbacks.map(([t, csum, size, usize]) => {
      const type = TYPE_BY_CODE.get(t);
      if (!type) throw new ParseError(`invalid fallback object type ${t}`);
      return { type, checksum: checksumFromBytes(csum), compressedSize: u64(size, little), uncompressedSize: u64(usize, little) };
    }),
  };
}

/** Serializes a superblock; sizes are written in `byteOrder`, which must agree with `ostree.endianness` when present. */
export function serializeDeltaSuperblock(sb: DeltaSuperblock): Uint8Array {
  const declared = deltaDeclaredByteOrder(sb.metadata);
  if (declared !== undefined && declared !== sb.byteOrder) {
    throw new InvalidArgumentError(`superblock byteOrder ${sb.byteOrder} contradicts ostree.endianness (${declared})`);
  }
  const little = sb.byteOrder === 'little';
  const prereq = new Uint8Array(sb.prerequisites.length * 64);
  sb.prerequisites.forEach((p, i) => {
    prereq.set(checksumToBytes(p.from), i * 64);
    prereq.set(checksumToBytes(p.to), i * 64 + 32);
  });
  return serializeGVariant(DELTA_SUPERBLOCK_GVARIANT_TYPE, [
    sb.metadata,
    toU64(sb.timestamp, false),
    sb.from === null ? new Uint8Array(0) : checksumToBytes(sb.from),
    checksumToBytes(sb.to),
    commitToGVariant(sb.commit),
    prereq,
    sb.parts.map((p) => [little ? p.version : bswap32(p.version), checksumToBytes(p.checksum), toU64(p.size, little), toU64(p.uncompressedSize, little), objectsToBytes(p.objects)]),
    sb.fallbacks.map((f) => [OBJECT_TYPE_CODES[f.type], checksumToBytes(f.checksum), toU64(f.compressedSize, little), toU64(f.uncompressedSize, little)]),
  ]);
}

/** An inline part stored in the superblock metadata under its path, or undefined. */
export function deltaInlinePart(sb: DeltaSuperblock, partPath: string): Uint8Array | undefined {
  const v = vardictGet(sb.metadata, partPath, '(yay)') as [number, Uint8Array] | undefined;
  if (!v) return undefined;
  const out = new Uint8Array(1 + v[1].length);
  out[0] = v[0];
  out.set(v[1], 1);
  return out;
}

export type DeltaCompression = 'none' | 'xz';

/** Splits a part file (or inline part) into its compression and (still compressed) payload. */
export function parseDeltaPartHeader(bytes: Uint8Array): { compression: DeltaCompression; payload: Uint8Array } {
  if (bytes.length === 0) throw new ParseError('empty delta part', { offset: 0 });
  const c = bytes[0];
  if (c === 0) return { compression: 'none', payload: bytes.subarray(1) };
  if (c === 0x78) return { compression: 'xz', payload: bytes.subarray(1) };
  throw new ParseError(`unknown delta part compression ${c}`, { offset: 0 });
}

export interface DeltaMode {
  uid: number;
  gid: number;
  mode: number;
}

export interface DeltaPartPayload {
  modes: DeltaMode[];
  xattrs: XattrEntry[][];
  rawData: Uint8Array;
  ops: Uint8Array;
}

/** Parses an uncompressed part payload `(a(uuu)aa(ayay)ayay)`. */
export function parseDeltaPartPayload(bytes: Uint8Array): DeltaPartPayload {
  if (bytes.length > DELTA_PART_MAX_UNCOMPRESSED) throw new ParseError('delta part too large', { offset: 0 });
  const [modes, xattrs, rawData, ops] = parseGVariant(DELTA_PART_PAYLOAD_GVARIANT_TYPE, bytes) as [[number, number, number][], [Uint8Array, Uint8Array][][], Uint8Array, Uint8Array];
  return {
    modes: modes.map(([uid, gid, mode]) => ({ uid: bswap32(uid), gid: bswap32(gid), mode: bswap32(mode) })),
    xattrs: xattrs.map((x) => xattrsFromGVariant(x)),
    rawData,
    ops,
  };
}

/** Serializes a part payload (uncompressed, without the compression byte). */
export function serializeDeltaPartPayload(p: DeltaPartPayload): Uint8Array {
  return serializeGVariant(DELTA_PART_PAYLOAD_GVARIANT_TYPE, [
    p.modes.map((m) => [bswap32(m.uid), bswap32(m.gid), bswap32(m.mode)]),
    p.xattrs.map((x) => xattrsToGVariant(x)),
    p.rawData,
    p.ops,
  ]);
}

/** Delta operations (`OstreeStaticDeltaOpCode`); offsets index the part's raw data. */
export type DeltaOp =
  | { op: 'open-splice-and-close'; object: number; length: number; offset: number }
  | { op: 'open-splice-and-close'; object: number; mode: number; xattrs: number; length: number; offset: number }
  | { op: 'open'; object: number; mode: number; xattrs: number; size: number }
  | { op: 'write'; object: number; length: number; offset: number }
  | { op: 'set-read-source'; object: number; offset: number }
  | { op: 'unset-read-source'; object: number }
  | { op: 'close'; object: number }
  | { op: 'bspatch'; object: number; offset: number; length: number };

/**
 * Decodes and validates the operation stream of a part: opcodes, varint arguments, mode and xattr
 * indexes, raw-data ranges (write ranges are checked only when no read source is set, since they
 * then address the source object), and that operations never run past the part's object list.
 */
export function decodeDeltaOps(payload: DeltaPartPayload, objects: readonly DeltaObject[]): DeltaOp[] {
  const ops = payload.ops;
  const raw = payload.rawData.length;
  const out: DeltaOp[] = [];
  let pos = 0;
  let object = 0;
  let readSource = false;
  const range = (offset: number, length: number, at: number): void => {
    if (offset + length > raw) throw new ParseError(`delta operation range ${offset}/${length} outside the part data`, { offset: at });
  };
  const current = (at: number): DeltaObject => {
    const o = objects[object];
    if (!o) throw new ParseError('delta operation past the last object of its part', { offset: at });
    return o;
  };
  const modeXattr = (at: number): [number, number] => {
    let mode: number;
    let xattrs: number;
    [mode, pos] = readVarUint(ops, pos);
    [xattrs, pos] = readVarUint(ops, pos);
    if (mode >= payload.modes.length) throw new ParseError(`delta mode index ${mode} out of range`, { offset: at });
    if (xattrs >= payload.xattrs.length) throw new ParseError(`delta xattr index ${xattrs} out of range`, { offset: at });
    return [mode, xattrs];
  };
  while (pos < ops.length) {
    const at = pos;
    const code = String.fromCharCode(ops[pos++]!);
    switch (code) {
      case 'S': {
        const o = current(at);
        if (o.type === 'file') {
          const [mode, xattrs] = modeXattr(at);
          let length: number;
          let offset: number;
          [length, pos] = readVarUint(ops, pos);
          [offset, pos] = readVarUint(ops, pos);
          range(offset, length, at);
          out.push({ op: 'open-splice-and-close', object, mode, xattrs, length, offset });
        } else {
          let length: number;
          let offset: number;
          [length, pos] = readVarUint(ops, pos);
          [offset, pos] = readVarUint(ops, pos);
          range(offset, length, at);
          out.push({ op: 'open-splice-and-close', object, length, offset });
        }
        object++;
        readSource = false;
        break;
      }
      case 'o': {
        current(at);
        const [mode, xattrs] = modeXattr(at);
        let size: number;
        [size, pos] = readVarUint(ops, pos);
        out.push({ op: 'open', object, mode, xattrs, size });
        break;
      }
      case 'w': {
        current(at);
        let length: number;
        let offset: number;
        [length, pos] = readVarUint(ops, pos);
        [offset, pos] = readVarUint(ops, pos);
        if (!readSource) range(offset, length, at);
        out.push({ op: 'write', object, length, offset });
        break;
      }
      case 'r': {
        let offset: number;
        [offset, pos] = readVarUint(ops, pos);
        range(offset, 32, at);
        readSource = true;
        out.push({ op: 'set-read-source', object, offset });
        break;
      }
      case 'R':
        readSource = false;
        out.push({ op: 'unset-read-source', object });
        break;
      case 'c':
        current(at);
        out.push({ op: 'close', object });
        object++;
        readSource = false;
        break;
      case 'B': {
        current(at);
        let offset: number;
        let length: number;
        [offset, pos] = readVarUint(ops, pos);
        [length, pos] = readVarUint(ops, pos);
        range(offset, length, at);
        out.push({ op: 'bspatch', object, offset, length });
        break;
      }
      default:
        throw new ParseError(`unknown delta opcode ${JSON.stringify(code)}`, { offset: at });
    }
  }
  return out;
}

/** Encodes operations back into an operation stream (inverse of {@link decodeDeltaOps}). */
export function encodeDeltaOps(ops: readonly DeltaOp[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const code = (c: string): void => {
    parts.push(Uint8Array.of(c.charCodeAt(0)));
  };
  const v = (...n: number[]): void => {
    for (const x of n) parts.push(writeVarUint(x));
  };
  for (const o of ops) {
    switch (o.op) {
      case 'open-splice-and-close':
        code('S');
        if ('mode' in o) v(o.mode, o.xattrs, o.length, o.offset);
        else v(o.length, o.offset);
        break;
      case 'open':
        code('o');
        v(o.mode, o.xattrs, o.size);
        break;
      case 'write':
        code('w');
        v(o.length, o.offset);
        break;
      case 'set-read-source':
        code('r');
        v(o.offset);
        break;
      case 'unset-read-source':
        code('R');
        break;
      case 'close':
        code('c');
        break;
      case 'bspatch':
        code('B');
        v(o.offset, o.length);
        break;
    }
  }
  const buf = Buffer.concat(parts);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** A delta index (`delta-indexes/…/X.index`): `a{sv}` with `ostree.static-deltas` → `a{sv}` name → `ay` superblock SHA-256. */
export function serializeDeltaIndex(deltas: readonly { name: string; superblockChecksum: string }[]): Uint8Array {
  return serializeGVariant('a{sv}', [['ostree.static-deltas', new Variant('a{sv}', deltas.map((d) => [d.name, new Variant('ay', checksumToBytes(d.superblockChecksum))]))]]);
}

/** Parses a delta index into delta names and superblock checksums. */
export function parseDeltaIndex(bytes: Uint8Array): { name: string; superblockChecksum: string }[] {
  assertMetadataSize('delta index', bytes.length);
  const dict = parseGVariant('a{sv}', bytes) as [string, Variant][];
  const deltas = vardictGet(dict, 'ostree.static-deltas', 'a{sv}') as [string, Variant][] | undefined;
  if (!deltas) return [];
  return deltas.map(([name, v]) => {
    if (v.type !== 'ay') throw new ParseError(`delta index entry ${JSON.stringify(name.slice(0, 140))} is not a checksum`);
    parseStaticDeltaName(name);
    return { name, superblockChecksum: checksumFromBytes(v.value as Uint8Array) };
  });
}

/** Wraps a superblock with signatures: `(taya{sv})` with the big-endian "OSTSGNDT" magic. */
export function serializeSignedSuperblock(superblock: Uint8Array, signatures: [string, Variant][]): Uint8Array {
  return serializeGVariant(DELTA_SIGNED_SUPERBLOCK_GVARIANT_TYPE, [bswap64(DELTA_SIGNED_MAGIC), superblock, signatures]);
}

/** Unwraps a signed superblock; throws `ParseError` when the magic is wrong. */
export function parseSignedSuperblock(bytes: Uint8Array): { superblock: Uint8Array; signatures: [string, Variant][] } {
  assertMetadataSize('signed delta superblock', bytes.length);
  const [magic, superblock, signatures] = parseGVariant(DELTA_SIGNED_SUPERBLOCK_GVARIANT_TYPE, bytes) as [bigint, Uint8Array, [string, Variant][]];
  if (bswap64(magic) !== DELTA_SIGNED_MAGIC) throw new ParseError('not a signed static delta superblock (bad magic)', { offset: 0 });
  return { superblock, signatures };
}
