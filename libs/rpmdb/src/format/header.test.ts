// Header parsing and writing: round trips on packages built by the real rpmbuild, and the
// should-fail corpus (every malformation is a ParseError with the byte offset, never a crash).
import { readFileSync } from 'node:fs';
import { ParseError, isTsostreeError } from '@tsostree/errors';
import { describe, expect, it } from 'vitest';
import { rpmFixture } from '../../test/rpm-fixtures.js';
import { buildRegionHeader, makeEntry, parseHeader, serializeHeader, headerString, headerNumbers } from './header.js';
import { LEAD_SIZE, parseLead, parsePackageHeaders, serializeLead, packageBytesNeeded } from './package.js';
import { packageFiles, packageDependencies } from './package-info.js';
import { TAG, TagType } from './tags.js';

const full = new Uint8Array(readFileSync(rpmFixture('full-x86_64')));
const pkg = parsePackageHeaders(full);

function expectParseError(fn: () => unknown, offset?: number): ParseError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ParseError);
  const e = caught as ParseError;
  expect(typeof e.offset).toBe('number');
  if (offset !== undefined) expect(e.offset).toBe(offset);
  return e;
}

/** A copy of the main header bytes with a 32-bit field of index entry `i` replaced. */
function patchEntry(i: number, field: 0 | 1 | 2 | 3, value: number): Uint8Array {
  const copy = pkg.headerBytes.slice();
  new DataView(copy.buffer).setUint32(16 + i * 16 + field * 4, value >>> 0);
  return copy;
}

function entryIndex(tag: number): number {
  const v = new DataView(pkg.headerBytes.buffer, pkg.headerBytes.byteOffset);
  const il = v.getUint32(8);
  for (let i = 0; i < il; i++) if (v.getUint32(16 + 16 * i) === tag) return i;
  throw new Error(`no tag ${tag}`);
}

describe('round trips', () => {
  it('writes a parsed package header back byte for byte', () => {
    expect(serializeHeader(pkg.header)).toEqual(pkg.headerBytes);
    expect(pkg.header.region).toEqual(pkg.headerBytes);
  });

  it('writes the rpmdb blob form (no magic) and reads it back', () => {
    const blob = serializeHeader(pkg.header, { magic: false });
    expect(blob).toEqual(pkg.headerBytes.subarray(8));
    const back = parseHeader(blob, { magic: false }).header;
    expect([...back.entries.keys()]).toEqual([...pkg.header.entries.keys()]);
  });

  it('rebuilds the same header from its entries as rpmbuild wrote it', () => {
    const rebuilt = buildRegionHeader([...pkg.header.entries.values()]);
    expect(serializeHeader(rebuilt)).toEqual(pkg.headerBytes);
  });

  it('keeps the immutable region intact when tags are added (as an install does)', () => {
    const h = parseHeader(pkg.headerBytes).header;
    h.entries.set(TAG.INSTALLTIME, makeEntry(TAG.INSTALLTIME, { type: TagType.INT32, values: [1_700_000_000] }));
    h.entries.set(TAG.INSTALLTID, makeEntry(TAG.INSTALLTID, { type: TagType.INT32, values: [1_700_000_000] }));
    h.entries.set(TAG.INSTPREFIXES, makeEntry(TAG.INSTPREFIXES, { type: TagType.STRING_ARRAY, values: ['/usr'] }));
    h.entries.set(TAG.LONGSIGSIZE, makeEntry(TAG.LONGSIGSIZE, { type: TagType.INT64, values: [2n ** 40n] }));
    const bytes = serializeHeader(h);
    const back = parseHeader(bytes).header;
    expect(back.region).toEqual(pkg.headerBytes);
    expect(headerNumbers(back, TAG.INSTALLTIME)).toEqual([1_700_000_000]);
    expect(back.entries.get(TAG.LONGSIGSIZE)?.value).toEqual({ type: TagType.INT64, values: [2n ** 40n] });
    expect(headerString(back, TAG.NAME)).toBe('tsos-full');
    expect(packageFiles(back)).toEqual(packageFiles(pkg.header));
    expect(packageDependencies(back, 'requires')).toEqual(packageDependencies(pkg.header, 'requires'));
  });

  it('round-trips every tag type in a fresh header', () => {
    const entries = [
      makeEntry(1000, { type: TagType.STRING, value: 'näme' }),
      makeEntry(1001, { type: TagType.CHAR, values: [65, 66] }),
      makeEntry(1002, { type: TagType.INT8, values: [1, 255] }),
      makeEntry(1003, { type: TagType.INT16, values: [1, 65535] }),
      makeEntry(1004, { type: TagType.INT32, values: [7, 0xffffffff] }),
      makeEntry(1005, { type: TagType.INT64, values: [0n, 2n ** 64n - 1n] }),
      makeEntry(1006, { type: TagType.BIN, bytes: Uint8Array.of(0, 1, 2) }),
      makeEntry(1007, { type: TagType.STRING_ARRAY, values: ['a', '', 'c'] }),
      makeEntry(1008, { type: TagType.I18NSTRING, values: ['C text'] }),
    ];
    const h = buildRegionHeader(entries);
    const back = parseHeader(serializeHeader(h)).header;
    for (const e of entries) expect(back.entries.get(e.tag)).toEqual(e);
  });

  it('parses and writes the lead', () => {
    const lead = parseLead(full);
    expect(lead).toMatchObject({ major: 3, minor: 0, type: 0, signatureType: 5, name: 'tsos-full-3:1.2.3~rc1-4.fc40' });
    expect(serializeLead(lead)).toEqual(full.subarray(0, LEAD_SIZE));
  });

  it('tells a streaming reader how many bytes it needs', () => {
    expect(packageBytesNeeded(full.subarray(0, 10))).toBe(112);
    const n = packageBytesNeeded(full.subarray(0, 112));
    expect(n).toBe(pkg.headerOffset + 16);
    expect(packageBytesNeeded(full.subarray(0, n))).toBe(pkg.payloadOffset);
  });
});

describe('should-fail corpus', () => {
  it('truncated at every length: ParseError, never anything else', () => {
    for (let len = 0; len < pkg.payloadOffset; len += len < 200 ? 1 : 37) {
      expectParseError(() => parsePackageHeaders(full.subarray(0, len)));
    }
  });

  it('bad lead magic', () => {
    const copy = full.slice();
    copy[1] = 0;
    expectParseError(() => parsePackageHeaders(copy), 1);
  });

  it('bad header magic', () => {
    const copy = pkg.headerBytes.slice();
    copy[2] = 0xff;
    expectParseError(() => parseHeader(copy), 2);
  });

  it('index entry count zero or huge', () => {
    const copy = pkg.headerBytes.slice();
    new DataView(copy.buffer).setUint32(8, 0);
    expectParseError(() => parseHeader(copy), 8);
    new DataView(copy.buffer).setUint32(8, 0x7fffffff);
    expectParseError(() => parseHeader(copy), 8);
  });

  it('data size beyond the limit or the buffer', () => {
    const copy = pkg.headerBytes.slice();
    new DataView(copy.buffer).setUint32(12, 0xfffffff0);
    expectParseError(() => parseHeader(copy), 12);
    new DataView(copy.buffer).setUint32(12, pkg.headerBytes.length);
    expectParseError(() => parseHeader(copy));
  });

  it('offset out of range', () => {
    const i = entryIndex(TAG.FILESIZES);
    expectParseError(() => parseHeader(patchEntry(i, 2, 0x7ffffff0)), 16 + i * 16 + 8);
    expectParseError(() => parseHeader(patchEntry(i, 2, -4)), 16 + i * 16 + 8);
  });

  it('count overflows (count × size past the data store, count larger than the store)', () => {
    const i = entryIndex(TAG.FILESIZES);
    expectParseError(() => parseHeader(patchEntry(i, 3, 0x40000001)), 16 + i * 16 + 12);
    expectParseError(() => parseHeader(patchEntry(i, 3, 0xffffffff)), 16 + i * 16 + 12);
    const j = entryIndex(TAG.BASENAMES);
    expectParseError(() => parseHeader(patchEntry(j, 3, 100000)));
  });

  it('misaligned data', () => {
    const i = entryIndex(TAG.FILESIZES);
    const v = new DataView(pkg.headerBytes.buffer, pkg.headerBytes.byteOffset);
    const offset = v.getInt32(16 + i * 16 + 8);
    expectParseError(() => parseHeader(patchEntry(i, 2, offset + 1)), 16 + i * 16 + 8);
  });

  it('overlapping entries', () => {
    const i = entryIndex(TAG.VERSION);
    const v = new DataView(pkg.headerBytes.buffer, pkg.headerBytes.byteOffset);
    const nameOffset = v.getInt32(16 + (i - 1) * 16 + 8);
    expectParseError(() => parseHeader(patchEntry(i, 2, nameOffset)), 16 + i * 16 + 8);
  });

  it('unknown type, reserved tag, malformed region trailer', () => {
    const i = entryIndex(TAG.NAME);
    expectParseError(() => parseHeader(patchEntry(i, 1, 42)), 16 + i * 16 + 4);
    expectParseError(() => parseHeader(patchEntry(i, 0, 7)), 16 + i * 16);
    expectParseError(() => parseHeader(patchEntry(0, 3, 15)), 16);
    const copy = pkg.headerBytes.slice();
    const v = new DataView(copy.buffer);
    const il = v.getUint32(8);
    const trailer = 16 + il * 16 + v.getInt32(16 + 8);
    v.setInt32(trailer + 8, -(il + 5) * 16);
    expectParseError(() => parseHeader(copy), trailer + 8);
  });

  it('unterminated string at the end of the store', () => {
    const h = buildRegionHeader([makeEntry(1000, { type: TagType.STRING, value: 'abc' })]);
    const bytes = serializeHeader(h);
    // Point NAME at the trailer's last bytes so the string runs off the end of the store.
    const v = new DataView(bytes.buffer);
    v.setInt32(16 + 16 + 8, v.getUint32(12) - 1);
    bytes[bytes.length - 1] = 0x41;
    expectParseError(() => parseHeader(bytes));
  });

  it('random corruption never crashes: ParseError, CorruptError or a clean parse', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    for (let n = 0; n < 3000; n++) {
      const copy = pkg.headerBytes.slice();
      const flips = 1 + (rand() % 4);
      for (let k = 0; k < flips; k++) copy[rand() % copy.length] = rand() & 0xff;
      try {
        const h = parseHeader(copy).header;
        packageFiles(h);
        packageDependencies(h, 'requires');
      } catch (err) {
        if (!isTsostreeError(err, 'Parse') && !isTsostreeError(err, 'Corrupt')) throw err;
      }
    }
  });
});
