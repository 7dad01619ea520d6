import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alignedEdit, applyAlignedEdit } from './aligned-edit.js';

describe('alignedEdit', () => {
  const base = new Uint8Array(randomBytes(300_000));

  it('describes in-place edits, growth and truncation as old ranges plus literal runs', () => {
    const edited = new Uint8Array(base);
    edited[1000] ^= 1;
    edited[1010] ^= 1; // within the merge gap: one literal run with the change above
    edited[200_000] ^= 0xff;
    const grown = new Uint8Array([...edited, ...Buffer.from('tail\n')]);
    const shrunk = edited.subarray(0, 250_000);
    for (const neu of [edited, grown, shrunk]) {
      const segs = alignedEdit(base, neu)!;
      expect(segs).toBeDefined();
      expect(Buffer.from(applyAlignedEdit(base, neu, segs)).equals(Buffer.from(neu))).toBe(true);
      const literal = segs.filter((s) => s.from === 'new').reduce((n, s) => n + s.length, 0);
      expect(literal).toBeLessThan(100);
    }
    expect(alignedEdit(base, edited)).toEqual([
      { from: 'old', offset: 0, length: 1000 },
      { from: 'new', offset: 1000, length: 11 },
      { from: 'old', offset: 1011, length: 200_000 - 1011 },
      { from: 'new', offset: 200_000, length: 1 },
      { from: 'old', offset: 200_001, length: 300_000 - 200_001 },
    ]);
    // A change touching the grown tail becomes one literal run.
    const tailEdit = new Uint8Array([...base, 7, 7]);
    tailEdit[base.length - 1] ^= 1;
    expect(alignedEdit(base, tailEdit)!.slice(-1)).toEqual([{ from: 'new', offset: base.length - 1, length: 3 }]);
  });

  it('leaves shifted, heavily changed, small or much longer files to bsdiff', () => {
    expect(alignedEdit(base, new Uint8Array([0, ...base]))).toBeUndefined();
    expect(alignedEdit(base, new Uint8Array(randomBytes(base.length)))).toBeUndefined();
    expect(alignedEdit(base.subarray(0, 1000), base.subarray(0, 1000))).toBeUndefined();
    expect(alignedEdit(base, new Uint8Array([...base, ...randomBytes(100_000)]))).toBeUndefined();
  });
});
