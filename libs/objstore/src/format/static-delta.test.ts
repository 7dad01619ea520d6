/** Unit tests and the should-fail corpus for static delta formats and varints. */
import { describe, expect, it } from 'vitest';
import { serializeGVariant } from './gvariant/serialize.js';
import { Variant } from './gvariant/value.js';
import { checksumToBytes } from './checksum.js';
import type { Commit } from './commit.js';
import {
  decodeDeltaOps,
  encodeDeltaOps,
  parseDeltaIndex,
  parseDeltaPartHeader,
  parseDeltaPartPayload,
  parseDeltaSuperblock,
  parseSignedSuperblock,
  parseStaticDeltaName,
  serializeDeltaIndex,
  serializeDeltaPartPayload,
  serializeDeltaSuperblock,
  serializeSignedSuperblock,
  staticDeltaDir,
  type DeltaObject,
  type DeltaPartPayload,
  type DeltaSuperblock,
} from './static-delta.js';
import { readVarUint, writeVarUint } from './varint.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

function expectCode(f: () => unknown, code: string): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toMatchObject({ code });
}

const commit: Commit = { metadata: [], parent: null, related: [], subject: '', body: '', timestamp: 1, rootTree: A, rootMeta: B };
const superblock = (endian: number): DeltaSuperblock => ({
  metadata: [['ostree.endianness', new Variant('y', endian)]],
  byteOrder: endian === 0x42 ? 'big' : 'little',
  timestamp: 1_700_000_000,
  from: A,
  to: B,
  commit,
  prerequisites: [{ from: A, to: C }],
  parts: [{ version: 0, checksum: C, size: 123, uncompressedSize: 456, objects: [{ type: 'dirtree', checksum: A }, { type: 'file', checksum: B }] }],
  fallbacks: [{ type: 'file', checksum: C, compressedSize: 7, uncompressedSize: 9 }],
});

describe('varints', () => {
  it.each([0, 1, 127, 128, 300, 2 ** 32, Number.MAX_SAFE_INTEGER])('round-trips %d', (n) => {
    const b = writeVarUint(n);
    expect(readVarUint(b, 0)).toEqual([n, b.length]);
  });
  it('uses the protobuf encoding', () => {
    expect(Array.from(writeVarUint(300))).toEqual([0xac, 0x02]);
  });
  it.each([
    ['truncated', [0x80, 0x80]],
    ['11 bytes long', new Array(11).fill(0x80)],
    ['above 2^53', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
  ])('refuses a varint %s', (_n, bytes) => expectCode(() => readVarUint(Uint8Array.from(bytes as number[]), 0), 'Parse'));
});

describe('superblocks', () => {
  it.each([0x6c, 0x42])('round-trips with endianness %d', (e) => {
    const sb = superblock(e);
    expect(parseDeltaSuperblock(serializeDeltaSuperblock(sb))).toEqual(sb);
  });

  it('guesses the byte order of deltas without ostree.endianness like ostree', () => {
    for (const byteOrder of ['little', 'big'] as const) {
      const sb = { ...superblock(0x6c), metadata: [], byteOrder };
      expect(parseDeltaSuperblock(serializeDeltaSuperblock(sb))).toEqual(sb);
    }
    expectCode(() => serializeDeltaSuperblock({ ...superblock(0x6c), byteOrder: 'big' }), 'InvalidArgument');
  });

  it('writes sizes in the declared byte order', () => {
    const le = Buffer.from(serializeDeltaSuperblock(superblock(0x6c)));
    const be = Buffer.from(serializeDeltaSuperblock(superblock(0x42)));
    expect(le.includes(Buffer.from('c801000000000000', 'hex'))).toBe(true);
    expect(be.includes(Buffer.from('00000000000001c8', 'hex'))).toBe(true);
  });

  const raw = (over: Partial<Record<number, unknown>>): Uint8Array => {
    const base: unknown[] = [
      [['ostree.endianness', new Variant('y', 0x6c)]],
      0n,
      checksumToBytes(A),
      checksumToBytes(B),
      [[], new Uint8Array(0), [], '', '', 0n, checksumToBytes(A), checksumToBytes(B)],
      new Uint8Array(0),
      [],
      [],
    ];
    for (const [k, v] of Object.entries(over)) base[Number(k)] = v;
    return serializeGVariant('(a{sv}tayay(a{sv}aya(say)sstayay)aya(uayttay)a(yaytt))', base as never);
  };
  it.each([
    ['a bad endianness', () => raw({ 0: [['ostree.endianness', new Variant('y', 0x78)]] })],
    ['a short to checksum', () => raw({ 3: new Uint8Array(31) })],
    ['a ragged prerequisite list', () => raw({ 5: new Uint8Array(63) })],
    ['a ragged object list', () => raw({ 6: [[0, checksumToBytes(C), 1n, 1n, new Uint8Array(34)]] })],
    ['an unknown object type', () => raw({ 6: [[0, checksumToBytes(C), 1n, 1n, Uint8Array.of(99, ...checksumToBytes(A))]] })],
    ['an unknown fallback type', () => raw({ 7: [[0, checksumToBytes(C), 1n, 1n]] })],
    ['a size beyond 2^53', () => raw({ 7: [[1, checksumToBytes(C), 1n << 60n, 1n]] })],
    ['an invalid embedded commit', () => raw({ 4: [[], new Uint8Array(0), [], '', '', 0n, new Uint8Array(3), checksumToBytes(B)] })],
    ['truncated bytes', () => raw({}).subarray(0, 30)],
  ])('refuses a superblock with %s', (_n, make) => expectCode(() => parseDeltaSuperblock(make()), 'Parse'));

  it('wraps and unwraps signed superblocks', () => {
    const bytes = serializeDeltaSuperblock(superblock(0x6c));
    const signed = serializeSignedSuperblock(bytes, [['ostree.sign.ed25519', new Variant('aay', [new Uint8Array(64)])]]);
    expect(Buffer.from(signed.subarray(0, 8)).toString('latin1')).toBe('OSTSGNDT');
    expect(parseSignedSuperblock(signed).superblock).toEqual(bytes);
    expectCode(() => parseSignedSuperblock(serializeGVariant('(taya{sv})', [1n, bytes, []])), 'Parse');
  });
});

describe('paths and names', () => {
  it('computes delta directories and parses names', () => {
    expect(staticDeltaDir(null, B)).toMatch(/^deltas\/u7\/u7u7/);
    expect(staticDeltaDir(A, B)).toMatch(/^deltas\/qq\/qq.*-u7u7/);
    expect(parseStaticDeltaName(`${A}-${B}`)).toEqual({ from: A, to: B });
    expect(parseStaticDeltaName(B)).toEqual({ from: null, to: B });
    expectCode(() => parseStaticDeltaName('../../etc'), 'InvalidArgument');
    expectCode(() => staticDeltaDir('../x', B), 'InvalidArgument');
  });

  it('round-trips delta indexes and refuses bad entries', () => {
    const idx = [{ name: `${A}-${B}`, superblockChecksum: C }];
    expect(parseDeltaIndex(serializeDeltaIndex(idx))).toEqual(idx);
    const bad = serializeGVariant('a{sv}', [['ostree.static-deltas', new Variant('a{sv}', [['../x', new Variant('ay', checksumToBytes(C))]])]]);
    expectCode(() => parseDeltaIndex(bad), 'InvalidArgument');
    const notCsum = serializeGVariant('a{sv}', [['ostree.static-deltas', new Variant('a{sv}', [[B, new Variant('s', 'x')]])]]);
    expectCode(() => parseDeltaIndex(notCsum), 'Parse');
  });
});

describe('parts and operations', () => {
  const objects: DeltaObject[] = [{ type: 'dirmeta', checksum: A }, { type: 'file', checksum: B }, { type: 'file', checksum: C }];
  const payload: DeltaPartPayload = {
    modes: [{ uid: 0, gid: 0, mode: 0o100644 }],
    xattrs: [[]],
    rawData: new Uint8Array(200),
    ops: encodeDeltaOps([
      { op: 'open-splice-and-close', object: 0, length: 10, offset: 0 },
      { op: 'open-splice-and-close', object: 1, mode: 0, xattrs: 0, length: 20, offset: 10 },
      { op: 'open', object: 2, mode: 0, xattrs: 0, size: 5000 },
      { op: 'set-read-source', object: 2, offset: 30 },
      { op: 'write', object: 2, length: 4000, offset: 100000 },
      { op: 'unset-read-source', object: 2 },
      { op: 'write', object: 2, length: 100, offset: 62 },
      { op: 'close', object: 2 },
    ]),
  };

  it('round-trips payloads and decodes operations', () => {
    const bytes = serializeDeltaPartPayload(payload);
    const back = parseDeltaPartPayload(bytes);
    expect(back).toEqual(payload);
    const ops = decodeDeltaOps(back, objects);
    expect(ops.map((o) => o.op)).toEqual(['open-splice-and-close', 'open-splice-and-close', 'open', 'set-read-source', 'write', 'unset-read-source', 'write', 'close']);
    expect(encodeDeltaOps(ops)).toEqual(payload.ops);
    expect(parseDeltaPartHeader(Uint8Array.of(0x78, 1, 2))).toMatchObject({ compression: 'xz' });
    expect(parseDeltaPartHeader(Uint8Array.of(0, 1))).toMatchObject({ compression: 'none' });
  });

  const withOps = (bytes: number[]): DeltaPartPayload => ({ ...payload, ops: Uint8Array.from(bytes) });
  const S = 'S'.charCodeAt(0);
  it.each([
    ['an unknown opcode', [0x5a]],
    ['a truncated varint', [S, 0x80]],
    ['a range past the data', [S, 100, 150]],
    ['an overflowing range', [S, 0xff, 0xff, 0xff, 0xff, 0x0f, 0]],
    ['a mode index out of range', [S, 10, 0, /* object 1 */ S, 5, 0, 1, 0]],
    ['an xattr index out of range', [S, 10, 0, S, 0, 3, 1, 0]],
    ['more objects than the part lists', [S, 1, 0, S, 0, 0, 1, 0, S, 0, 0, 1, 0, 'c'.charCodeAt(0)]],
    ['a read source past the data', ['r'.charCodeAt(0), 190]],
    ['a bspatch past the data', [S, 1, 0, 'B'.charCodeAt(0), 100, 101]],
  ])('refuses operations with %s', (_n, bytes) => expectCode(() => decodeDeltaOps(withOps(bytes as number[]), objects), 'Parse'));

  it.each([
    ['empty', []],
    ['an unknown compression', [0x7a, 0]],
  ])('refuses a part header that is %s', (_n, bytes) => expectCode(() => parseDeltaPartHeader(Uint8Array.from(bytes as number[])), 'Parse'));

  it('refuses a bad payload', () => {
    const b = serializeDeltaPartPayload(payload);
    b[b.length - 1] = 0xff;
    expectCode(() => parseDeltaPartPayload(b), 'Parse');
    expectCode(() => parseDeltaPartPayload(Uint8Array.of(9, 9, 9)), 'Parse');
  });
});
