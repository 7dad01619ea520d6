/**
 * The RPM header structure (rpm's lib/header.c on-disk format), parsed and written.
 *
 * On disk a header is: 8 magic bytes `8e ad e8 01 00 00 00 00`, then big-endian `il` (number of
 * index entries) and `dl` (size of the data store), then `il` 16-byte index entries
 * `{ tag, type, offset, count }` (all big-endian 32-bit), then `dl` bytes of data. The rpmdb
 * stores the same thing without the magic (a "blob").
 *
 * A header read from a package starts with a region entry (HEADERIMMUTABLE for the main header,
 * HEADERSIGNATURES for the signature header): a BIN entry of count 16 whose offset points to a
 * 16-byte trailer in the data store; the trailer is an index entry of the same tag whose offset is
 * `-16 * (number of entries in the region)`. Signatures and digests cover exactly that region, so
 * the parser keeps its raw bytes and the writer emits them unchanged.
 *
 * Every entry is checked as rpm checks it (hdrblobVerifyInfo): known type, alignment, offset and
 * length inside the data store, data of successive entries in increasing, non-overlapping order,
 * strings NUL-terminated inside the store. Violations are `ParseError`s carrying the byte offset
 * (relative to the start of the buffer given to the parser).
 */
import { ParseError } from '@tsostree/errors';
import { TagType } from './tags.js';

export const HEADER_MAGIC = Uint8Array.of(0x8e, 0xad, 0xe8, 0x01, 0x00, 0x00, 0x00, 0x00);
/** rpm's limits: at most 65,535 index entries, at most 256 MiB of data. */
export const HEADER_MAX_ENTRIES = 0xffff;
export const HEADER_MAX_DATA = 256 * 1024 * 1024;
const ENTRY_SIZE = 16;

export const REGION_TAGS = { HEADERIMAGE: 61, HEADERSIGNATURES: 62, HEADERIMMUTABLE: 63 } as const;

/** The decoded value of an entry, by type. */
export type TagValue =
  | { type: typeof TagType.NULL }
  | { type: typeof TagType.CHAR | typeof TagType.INT8 | typeof TagType.INT16 | typeof TagType.INT32; values: number[] }
  | { type: typeof TagType.INT64; values: bigint[] }
  | { type: typeof TagType.STRING; value: string }
  | { type: typeof TagType.BIN; bytes: Uint8Array }
  | { type: typeof TagType.STRING_ARRAY | typeof TagType.I18NSTRING; values: string[] };

export interface HeaderEntry {
  tag: number;
  /** The number of elements as stored (bytes for BIN, 1 for STRING). */
  count: number;
  value: TagValue;
}

/** A parsed header: its entries in index order, plus the raw immutable region when it has one. */
export interface Header {
  /** Entries keyed by tag, in on-disk index order (the region entry itself is not included). */
  entries: Map<number, HeaderEntry>;
  /** The region tag (63 for a package's main header, 62 for its signature header), if any. */
  regionTag?: number;
  /**
   * The region as rpm hashes and signs it: the header bytes with magic, but only the region's
   * index entries and data. For a package header this is the whole header as stored.
   */
  region?: Uint8Array;
  /** Tags inside the region (the rest were added later, e.g. by an install). */
  regionTagSet?: Set<number>;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8enc = new TextEncoder();

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1 };
const TYPE_ALIGN: Record<number, number> = { 3: 2, 4: 4, 5: 8 };

function fail(message: string, offset: number): never {
  throw new ParseError(`rpm header: ${message}`, { offset });
}

export interface ParseHeaderOptions {
  /** Byte offset of the header in `bytes` (default 0). */
  offset?: number;
  /** Whether the header starts with the 8-byte magic (true in packages, false for rpmdb blobs). */
  magic?: boolean;
}

/** Parses one header; returns it and the offset just past its data store. */
export function parseHeader(bytes: Uint8Array, options: ParseHeaderOptions = {}): { header: Header; end: number } {
  const start = options.offset ?? 0;
  const magic = options.magic ?? true;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = start;
  if (magic) {
    if (bytes.length < p + 8) fail('truncated before the magic', p);
    for (let i = 0; i < 8; i++) if (bytes[p + i] !== HEADER_MAGIC[i]) fail('bad magic', p + i);
    p += 8;
  }
  if (bytes.length < p + 8) fail('truncated in the header size fields', p);
  const il = view.getUint32(p);
  const dl = view.getUint32(p + 4);
  if (il < 1 || il > HEADER_MAX_ENTRIES) fail(`index entry count ${il} out of range`, p);
  if (dl > HEADER_MAX_DATA) fail(`data size ${dl} out of range`, p + 4);
  p += 8;
  const indexStart = p;
  const dataStart = indexStart + il * ENTRY_SIZE;
  const end = dataStart + dl;
  if (bytes.length < end) fail(`truncated: need ${end - start} bytes, have ${bytes.length - start}`, bytes.length);

  const readEntry = (i: number) => {
    const o = indexStart + i * ENTRY_SIZE;
    return { at: o, tag: view.getUint32(o), type: view.getUint32(o + 4), offset: view.getInt32(o + 8), count: view.getUint32(o + 12) };
  };

  const header: Header = { entries: new Map() };
  let first = 0;
  let regionEntries = il;
  let regionDataEnd = dl;
  const e0 = readEntry(0);
  if (e0.tag === REGION_TAGS.HEADERIMMUTABLE || e0.tag === REGION_TAGS.HEADERSIGNATURES || e0.tag === REGION_TAGS.HEADERIMAGE) {
    if (e0.type !== TagType.BIN || e0.count !== ENTRY_SIZE) fail('malformed region entry', e0.at);
    if (e0.offset < 0 || e0.offset + ENTRY_SIZE > dl) fail('region trailer out of range', e0.at + 8);
    const t = dataStart + e0.offset;
    const trailerTag = view.getUint32(t);
    const trailerType = view.getUint32(t + 4);
    const trailerOffset = view.getInt32(t + 8);
    const trailerCount = view.getUint32(t + 12);
    if (trailerTag !== e0.tag || trailerType !== TagType.BIN || trailerCount !== ENTRY_SIZE) fail('malformed region trailer', t);
    if (trailerOffset > 0 || trailerOffset % ENTRY_SIZE !== 0) fail('malformed region trailer offset', t + 8);
    regionEntries = -trailerOffset / ENTRY_SIZE;
    if (regionEntries < 1 || regionEntries > il) fail(`region claims ${regionEntries} entries of ${il}`, t + 8);
    regionDataEnd = e0.offset + ENTRY_SIZE;
    header.regionTag = e0.tag;
    first = 1;
    const region = new Uint8Array(16 + regionEntries * ENTRY_SIZE + regionDataEnd);
    region.set(HEADER_MAGIC, 0);
    const rv = new DataView(region.buffer);
    rv.setUint32(8, regionEntries);
    rv.setUint32(12, regionDataEnd);
    region.set(bytes.subarray(indexStart, indexStart + regionEntries * ENTRY_SIZE), 16);
    region.set(bytes.subarray(dataStart, dataStart + regionDataEnd), 16 + regionEntries * ENTRY_SIZE);
    header.region = region;
    header.regionTagSet = new Set();
  }

  let prevEnd = 0;
  for (let i = first; i < il; i++) {
    const e = readEntry(i);
    if (e.tag < 100 && !(e.tag >= 61 && e.tag <= 64)) fail(`tag ${e.tag} is reserved`, e.at);
    if (e.type < TagType.NULL || e.type > TagType.I18NSTRING) fail(`tag ${e.tag} has unknown type ${e.type}`, e.at + 4);
    if (e.count > dl && e.type !== TagType.NULL) fail(`tag ${e.tag} count ${e.count} exceeds the data size`, e.at + 12);
    if (e.offset < 0 || e.offset > dl) fail(`tag ${e.tag} offset ${e.offset} out of range`, e.at + 8);
    const align = TYPE_ALIGN[e.type] ?? 1;
    if (e.offset % align !== 0) fail(`tag ${e.tag} data misaligned (offset ${e.offset}, type ${e.type})`, e.at + 8);
    if (e.offset < prevEnd) fail(`tag ${e.tag} data overlaps the previous entry`, e.at + 8);
    const abs = dataStart + e.offset;
    let value: TagValue;
    let len: number;
    switch (e.type) {
      case TagType.NULL:
        value = { type: TagType.NULL };
        len = 0;
        break;
      case TagType.STRING: {
        if (e.count !== 1) fail(`tag ${e.tag} STRING with count ${e.count}`, e.at + 12);
        const z = bytes.indexOf(0, abs);
        if (z < 0 || z >= end) fail(`tag ${e.tag} string not terminated inside the data store`, abs);
        value = { type: TagType.STRING, value: utf8.decode(bytes.subarray(abs, z)) };
        len = z + 1 - abs;
        break;
      }
      case TagType.STRING_ARRAY:
      case TagType.I18NSTRING: {
        if (e.count === 0) fail(`tag ${e.tag} string array with count 0`, e.at + 12);
        let q = abs;
        for (let k = 0; k < e.count; k++) {
          let z = q;
          while (z < end && bytes[z] !== 0) z++;
          if (z >= end) fail(`tag ${e.tag} string ${k} not terminated inside the data store`, q);
          q = z + 1;
        }
        // One decoder call for the whole array (a NUL byte always decodes to a NUL character).
        const values = utf8.decode(bytes.subarray(abs, q - 1)).split('\0');
        value = { type: e.type, values };
        len = q - abs;
        break;
      }
      default: {
        const size = TYPE_SIZE[e.type]!;
        if (e.count === 0) fail(`tag ${e.tag} has count 0`, e.at + 12);
        len = e.count * size;
        if (e.offset + len > dl) fail(`tag ${e.tag} data (${len} bytes at ${e.offset}) runs past the data store`, e.at + 12);
        if (e.type === TagType.BIN) {
          value = { type: TagType.BIN, bytes: bytes.slice(abs, abs + len) };
        } else if (e.type === TagType.INT64) {
          const values: bigint[] = [];
          for (let k = 0; k < e.count; k++) values.push(view.getBigUint64(abs + 8 * k));
          value = { type: TagType.INT64, values };
        } else {
          const values: number[] = new Array<number>(e.count);
          if (size === 1) for (let k = 0; k < e.count; k++) values[k] = bytes[abs + k]!;
          else if (size === 2) for (let k = 0; k < e.count; k++) values[k] = view.getUint16(abs + 2 * k);
          else for (let k = 0; k < e.count; k++) values[k] = view.getUint32(abs + 4 * k);
          value = { type: e.type as 1 | 2 | 3 | 4, values };
        }
      }
    }
    const dataEnd = e.offset + len;
    if (header.regionTag !== undefined && i < regionEntries && dataEnd > regionDataEnd - ENTRY_SIZE) {
      fail(`tag ${e.tag} data overlaps the region trailer`, e.at + 8);
    }
    if (header.regionTag !== undefined && i >= regionEntries && e.offset < regionDataEnd) {
      fail(`tag ${e.tag} outside the region has data inside it`, e.at + 8);
    }
    prevEnd = dataEnd;
    if (header.entries.has(e.tag)) fail(`tag ${e.tag} appears twice`, e.at);
    header.entries.set(e.tag, { tag: e.tag, count: e.count, value });
    if (header.regionTagSet && i < regionEntries) header.regionTagSet.add(e.tag);
  }
  return { header, end };
}

/** Builds an entry from a typed value (count derived from the value). */
export function makeEntry(tag: number, value: TagValue): HeaderEntry {
  let count: number;
  switch (value.type) {
    case TagType.NULL:
      count = 0;
      break;
    case TagType.STRING:
      count = 1;
      break;
    case TagType.BIN:
      count = value.bytes.length;
      break;
    default:
      count = value.values.length;
  }
  return { tag, count, value };
}

function encodeValue(value: TagValue): Uint8Array {
  switch (value.type) {
    case TagType.NULL:
      return new Uint8Array(0);
    case TagType.STRING: {
      const s = utf8enc.encode(value.value);
      const out = new Uint8Array(s.length + 1);
      out.set(s);
      return out;
    }
    case TagType.STRING_ARRAY:
    case TagType.I18NSTRING: {
      const parts = value.values.map((v) => utf8enc.encode(v));
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
      let q = 0;
      for (const part of parts) {
        out.set(part, q);
        q += part.length + 1;
      }
      return out;
    }
    case TagType.BIN:
      return value.bytes;
    case TagType.INT64: {
      const out = new Uint8Array(8 * value.values.length);
      const v = new DataView(out.buffer);
      value.values.forEach((x, k) => v.setBigUint64(8 * k, BigInt.asUintN(64, x)));
      return out;
    }
    default: {
      const size = TYPE_SIZE[value.type]!;
      const out = new Uint8Array(size * value.values.length);
      const v = new DataView(out.buffer);
      value.values.forEach((x, k) => {
        if (size === 1) v.setUint8(k, x);
        else if (size === 2) v.setUint16(2 * k, x);
        else v.setUint32(4 * k, x >>> 0);
      });
      return out;
    }
  }
}

/**
 * Writes a header. When it carries a region (`header.region`, as parsed from a package), the
 * region's index entries and data are written unchanged at the start, so its digests and signatures
 * stay valid, and entries added outside the region follow in tag order (rpm's "dribble" entries).
 * Without a region, entries are written in tag order with aligned data, as rpm writes a fresh header.
 *
 * `magic: false` produces the rpmdb blob form.
 */
export function serializeHeader(header: Header, options: { magic?: boolean } = {}): Uint8Array {
  const magic = options.magic ?? true;
  const regionIndex: Uint8Array[] = [];
  let regionData: Uint8Array = new Uint8Array(0);
  let regionCount = 0;
  const inRegion = header.region && header.regionTagSet ? header.regionTagSet : new Set<number>();
  if (header.region) {
    const rv = new DataView(header.region.buffer, header.region.byteOffset, header.region.byteLength);
    regionCount = rv.getUint32(8);
    const rdl = rv.getUint32(12);
    regionIndex.push(header.region.subarray(16, 16 + regionCount * ENTRY_SIZE));
    regionData = header.region.subarray(16 + regionCount * ENTRY_SIZE, 16 + regionCount * ENTRY_SIZE + rdl);
    for (const tag of inRegion) {
      if (!header.entries.has(tag)) {
        throw new ParseError(`rpm header: tag ${tag} of the immutable region was removed; cannot write the region unchanged`);
      }
    }
  }
  const extra = [...header.entries.values()].filter((e) => !inRegion.has(e.tag)).sort((a, b) => a.tag - b.tag);
  const chunks: Array<{ entry: HeaderEntry; data: Uint8Array; offset: number }> = [];
  let dl = regionData.length;
  for (const entry of extra) {
    const data = encodeValue(entry.value);
    const align = TYPE_ALIGN[entry.value.type] ?? 1;
    dl = Math.ceil(dl / align) * align;
    chunks.push({ entry, data, offset: dl });
    dl += data.length;
  }
  const il = regionCount + extra.length;
  const headLen = (magic ? 8 : 0) + 8;
  const out = new Uint8Array(headLen + il * ENTRY_SIZE + dl);
  const v = new DataView(out.buffer);
  let p = 0;
  if (magic) {
    out.set(HEADER_MAGIC, 0);
    p = 8;
  }
  v.setUint32(p, il);
  v.setUint32(p + 4, dl);
  p += 8;
  for (const r of regionIndex) {
    out.set(r, p);
    p += r.length;
  }
  const dataStart = headLen + il * ENTRY_SIZE;
  out.set(regionData, dataStart);
  for (const { entry, data, offset } of chunks) {
    v.setUint32(p, entry.tag);
    v.setUint32(p + 4, entry.value.type);
    v.setInt32(p + 8, offset);
    v.setUint32(p + 12, makeEntry(entry.tag, entry.value).count);
    p += ENTRY_SIZE;
    out.set(data, dataStart + offset);
  }
  return out;
}

/**
 * Builds a fresh header with an immutable region around all of `entries` (what rpmbuild writes
 * for a package's main header, and what a signature header looks like with `regionTag` 62).
 */
export function buildRegionHeader(entries: HeaderEntry[], regionTag: number = REGION_TAGS.HEADERIMMUTABLE): Header {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const chunks: Array<{ entry: HeaderEntry; data: Uint8Array; offset: number }> = [];
  let dl = 0;
  for (const entry of sorted) {
    const data = encodeValue(entry.value);
    const align = TYPE_ALIGN[entry.value.type] ?? 1;
    dl = Math.ceil(dl / align) * align;
    chunks.push({ entry, data, offset: dl });
    dl += data.length;
  }
  const trailerOffset = dl;
  dl += ENTRY_SIZE;
  const il = sorted.length + 1;
  const region = new Uint8Array(16 + il * ENTRY_SIZE + dl);
  region.set(HEADER_MAGIC);
  const v = new DataView(region.buffer);
  v.setUint32(8, il);
  v.setUint32(12, dl);
  const dataStart = 16 + il * ENTRY_SIZE;
  const writeIndex = (p: number, tag: number, type: number, offset: number, count: number) => {
    v.setUint32(p, tag);
    v.setUint32(p + 4, type);
    v.setInt32(p + 8, offset);
    v.setUint32(p + 12, count);
  };
  writeIndex(16, regionTag, TagType.BIN, trailerOffset, ENTRY_SIZE);
  chunks.forEach(({ entry, data, offset }, k) => {
    writeIndex(16 + (k + 1) * ENTRY_SIZE, entry.tag, entry.value.type, offset, makeEntry(entry.tag, entry.value).count);
    region.set(data, dataStart + offset);
  });
  writeIndex(dataStart + trailerOffset, regionTag, TagType.BIN, -il * ENTRY_SIZE, ENTRY_SIZE);
  return parseHeader(region).header;
}

/** Typed reads of header entries; missing tags give `undefined`. */
export function headerString(h: Header, tag: number): string | undefined {
  const e = h.entries.get(tag);
  if (!e) return undefined;
  const v = e.value;
  if (v.type === TagType.STRING) return v.value;
  if ((v.type === TagType.I18NSTRING || v.type === TagType.STRING_ARRAY) && v.values.length > 0) return v.values[0];
  return undefined;
}

export function headerStrings(h: Header, tag: number): string[] | undefined {
  const e = h.entries.get(tag);
  if (!e) return undefined;
  const v = e.value;
  if (v.type === TagType.STRING_ARRAY || v.type === TagType.I18NSTRING) return v.values;
  if (v.type === TagType.STRING) return [v.value];
  return undefined;
}

export function headerNumbers(h: Header, tag: number): number[] | undefined {
  const e = h.entries.get(tag);
  if (!e) return undefined;
  const v = e.value;
  if (v.type === TagType.CHAR || v.type === TagType.INT8 || v.type === TagType.INT16 || v.type === TagType.INT32) return v.values;
  if (v.type === TagType.INT64) return v.values.map((x) => Number(x));
  return undefined;
}

export function headerNumber(h: Header, tag: number): number | undefined {
  return headerNumbers(h, tag)?.[0];
}

export function headerBytes(h: Header, tag: number): Uint8Array | undefined {
  const e = h.entries.get(tag);
  return e?.value.type === TagType.BIN ? e.value.bytes : undefined;
}
