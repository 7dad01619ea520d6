// cpio newc and rpm's stripped format, against archives made by GNU cpio and by hand.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTsostreeError } from '@tsostree/errors';
import { describe, expect, it } from 'vitest';
import { buildCpio, readCpio } from './cpio.js';

async function* chunks(bytes: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(bytes: Uint8Array, options = {}, size = 7) {
  const out: Array<{ name: string; mode: number; size: number; fileIndex: number; data: string }> = [];
  for await (const { entry, data } of readCpio(chunks(bytes, size), options)) {
    const parts: Buffer[] = [];
    for await (const c of data) parts.push(Buffer.from(c));
    out.push({ name: entry.name, mode: entry.mode, size: entry.size, fileIndex: entry.fileIndex, data: Buffer.concat(parts).toString() });
  }
  return out;
}

async function expectParse(bytes: Uint8Array, options = {}): Promise<void> {
  let caught: unknown;
  try {
    await collect(bytes, options);
  } catch (err) {
    caught = err;
  }
  expect(isTsostreeError(caught, 'Parse'), String(caught)).toBe(true);
}

describe('readCpio', () => {
  it('reads an archive written by GNU cpio -H newc, in any chunking', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpio-'));
    try {
      mkdirSync(join(dir, 'd'));
      writeFileSync(join(dir, 'd/a.txt'), 'hello\n');
      writeFileSync(join(dir, 'b'), 'x'.repeat(1001));
      symlinkSync('d/a.txt', join(dir, 'l'));
      const archive = execFileSync('cpio', ['-o', '-H', 'newc', '--quiet'], { cwd: dir, input: 'd\nd/a.txt\nb\nl\n' });
      for (const size of [1, 3, 4096]) {
        const got = await collect(new Uint8Array(archive), {}, size);
        expect(got.map((e) => [e.name, e.data.length])).toEqual([['d', 0], ['d/a.txt', 6], ['b', 1001], ['l', 7]]);
        expect(got[3]!.data).toBe('d/a.txt');
        expect(got[3]!.mode & 0o170000).toBe(0o120000);
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('reads our own archives back', async () => {
    const bytes = buildCpio([{ name: './a', data: new TextEncoder().encode('abc') }, { name: './dir', mode: 0o40755 }]);
    expect(await collect(bytes)).toMatchObject([{ name: './a', data: 'abc' }, { name: './dir', size: 0 }]);
  });

  it("reads rpm's stripped format, sizes from the header", async () => {
    const enc = new TextEncoder();
    const entry = (index: number, data: string) => {
      const head = enc.encode('07070X' + index.toString(16).padStart(8, '0') + '\0\0');
      const body = enc.encode(data);
      return [head, body, new Uint8Array((4 - (body.length % 4)) % 4)];
    };
    const trailer = buildCpio([]);
    const bytes = Buffer.concat([...entry(1, 'hello'), ...entry(0, 'abcd'), trailer]);
    const sizes = [4, 5];
    expect(await collect(new Uint8Array(bytes), { strippedFileSize: (i: number) => sizes[i] })).toEqual([
      { name: '', mode: 0, size: 5, fileIndex: 1, data: 'hello' },
      { name: '', mode: 0, size: 4, fileIndex: 0, data: 'abcd' },
    ]);
    await expectParse(new Uint8Array(bytes), { strippedFileSize: () => undefined });
  });

  it('should-fail: bad magic, bad hex, truncations, name size, missing NUL', async () => {
    const good = buildCpio([{ name: './a', data: new TextEncoder().encode('abc') }]);
    const bad = good.slice();
    bad[0] = 0x31;
    await expectParse(bad);
    const hex = good.slice();
    hex[20] = 0x7a; // 'z' in the mode field
    await expectParse(hex);
    for (let len = 0; len < good.length; len += 3) await expectParse(good.subarray(0, len));
    const huge = good.slice();
    huge.set(new TextEncoder().encode('7fffffff'), 94); // namesize
    await expectParse(huge);
    const nul = good.slice();
    nul[113] = 0x41; // overwrite the name's NUL
    await expectParse(nul);
  });
});
