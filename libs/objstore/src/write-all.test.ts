import { closeSync, openSync, readFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/tmp.js';
import { WRITE_CHUNK, writeAllAsync, writeAllSync } from './write-all.js';

const bytes = Buffer.from(Array.from({ length: 2 * WRITE_CHUNK + 777 }, (_, i) => (i * 7) & 0xff));

describe('writeAllSync / writeAllAsync', () => {
  it('writes every byte of the range, in order', async () => {
    const path = join(await tempDir(), 'f');
    const fd = openSync(path, 'w');
    try {
      writeAllSync(fd, bytes);
      writeAllSync(fd, bytes, 5, WRITE_CHUNK + 9);
      writeAllSync(fd, bytes, 3, 3);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path).equals(Buffer.concat([bytes, bytes.subarray(5, WRITE_CHUNK + 9)]))).toBe(true);
  });

  it('hands at most WRITE_CHUNK bytes to one write and follows short writes', async () => {
    const calls: number[] = [];
    const out: Buffer[] = [];
    const fh = {
      write: async (b: Uint8Array, off: number, len: number) => {
        calls.push(len);
        const n = Math.min(len, 100_000 + calls.length); // short writes, as a pipe or a full disk may give
        out.push(Buffer.from(b.subarray(off, off + n)));
        return { bytesWritten: n, buffer: b };
      },
    } as unknown as FileHandle;
    await writeAllAsync(fh, bytes);
    expect(Buffer.concat(out).equals(bytes)).toBe(true);
    expect(Math.max(...calls)).toBeLessThanOrEqual(WRITE_CHUNK);
  });
});
