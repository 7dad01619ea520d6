import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bsdiff, bspatch, suffixArray } from './bsdiff.js';

function naiveSuffixArray(b: Uint8Array): number[] {
  const idx = Array.from({ length: b.length + 1 }, (_, i) => i);
  return idx.sort((x, y) => Buffer.compare(Buffer.from(b.subarray(x)), Buffer.from(b.subarray(y))));
}

describe('bsdiff/bspatch', () => {
  it('suffix array matches a naive sort (random, repetitive, empty inputs)', () => {
    for (const input of [new Uint8Array(0), Buffer.from('banana'), Buffer.alloc(100, 7), Buffer.from('abababababcabab'.repeat(7)), randomBytes(300)]) {
      expect([...suffixArray(new Uint8Array(input))]).toEqual(naiveSuffixArray(new Uint8Array(input)));
    }
  });

  it('bspatch: add runs reaching before or past the old file add to 0 there', () => {
    const rec = (add: number, copy: number, seek: number): Buffer => {
      const b = Buffer.alloc(24);
      [add, copy, seek].forEach((v, k) => {
        b.writeUInt32LE(Math.abs(v), k * 8);
        if (v < 0) b[k * 8 + 7] = 0x80;
      });
      return b;
    };
    const old = new Uint8Array([10, 20, 30]);
    // seek to -2, then add 7 bytes spanning old[-2..4], then copy 1 literal byte.
    const patch = Buffer.concat([rec(0, 0, -2), rec(7, 1, 0), Buffer.from([1, 1, 1, 1, 1, 1, 1]), Buffer.from([99])]);
    expect([...bspatch(old, new Uint8Array(patch), 8)]).toEqual([1, 1, 11, 21, 31, 1, 1, 99]);
    // Sums wrap modulo 256.
    const wrap = Buffer.concat([rec(2, 0, 0), Buffer.from([250, 255])]);
    expect([...bspatch(new Uint8Array([10, 1]), new Uint8Array(wrap), 2)]).toEqual([4, 0]);
  });

  it('files edited in place take the linear aligned patch, which round-trips (grown, shrunk, same size)', () => {
    const base = randomBytes(200_000);
    const edited = Buffer.from(base);
    for (let k = 1; k < 5; k++) edited[k * 40_000] ^= 0x5a;
    for (const neu of [edited, Buffer.concat([edited, Buffer.from('appended\n')]), edited.subarray(0, 190_000)]) {
      const patch = bsdiff(new Uint8Array(base), new Uint8Array(neu));
      // One record: the differences over the common length, then the literal tail.
      expect(patch.length).toBe(24 + neu.length);
      expect(Buffer.from(bspatch(new Uint8Array(base), patch, neu.length)).equals(neu)).toBe(true);
    }
    // A shifted copy is not aligned: the full algorithm runs and finds the shift.
    const shifted = Buffer.concat([Buffer.from('x'), base]);
    const patch = bsdiff(new Uint8Array(base), new Uint8Array(shifted));
    expect(patch.filter((b) => b !== 0).length).toBeLessThan(1000);
    expect(Buffer.from(bspatch(new Uint8Array(base), patch, shifted.length)).equals(shifted)).toBe(true);
  });

  it('round-trips edits, insertions, deletions, unrelated and empty files', () => {
    const base = randomBytes(50_000);
    const cases: [Uint8Array, Uint8Array][] = [
      [base, Buffer.concat([base.subarray(0, 20_000), Buffer.from('inserted!'), base.subarray(20_000)])],
      [base, Buffer.concat([base.subarray(0, 10_000), base.subarray(12_000)])],
      [base, Buffer.from(base.map((b, i) => (i % 997 === 0 ? b ^ 1 : b)))],
      [base, randomBytes(3000)],
      [new Uint8Array(0), Buffer.from('from nothing')],
      [Buffer.from('to nothing'), new Uint8Array(0)],
      [Buffer.alloc(10_000, 0), Buffer.alloc(12_000, 0)],
    ];
    for (const [a, b] of cases) {
      const patch = bsdiff(new Uint8Array(a), new Uint8Array(b));
      expect(Buffer.from(bspatch(new Uint8Array(a), patch, b.length)).equals(Buffer.from(b))).toBe(true);
    }
  });

  it('a small edit gives a patch of mostly zero bytes (compresses to almost nothing)', () => {
    const a = randomBytes(100_000);
    const b = Buffer.from(a);
    b[50_000] ^= 0xff;
    const patch = bsdiff(new Uint8Array(a), new Uint8Array(b));
    expect(patch.filter((x) => x !== 0).length).toBeLessThan(40);
  });

  it('hostile patches → Corrupt, never out-of-range access', () => {
    const old = randomBytes(100);
    const good = bsdiff(new Uint8Array(old), new Uint8Array(Buffer.concat([old, Buffer.from('x')])));
    expect(() => bspatch(new Uint8Array(old), good.subarray(0, 10), 101)).toThrow(expect.objectContaining({ code: 'Corrupt' }));
    expect(() => bspatch(new Uint8Array(old), good.subarray(0, good.length - 1), 101)).toThrow(expect.objectContaining({ code: 'Corrupt' }));
    const neg = Buffer.from(good);
    neg[7] |= 0x80; // negative add length
    expect(() => bspatch(new Uint8Array(old), neg, 101)).toThrow(expect.objectContaining({ code: 'Corrupt' }));
    const huge = Buffer.alloc(24);
    huge.writeUInt32LE(0xffffffff, 0);
    huge[6] = 0x7f; // add length ≈ 2^55
    expect(() => bspatch(new Uint8Array(old), huge, 10)).toThrow(expect.objectContaining({ code: 'Corrupt' }));
    expect(() => bspatch(new Uint8Array(old), good, -1)).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});
