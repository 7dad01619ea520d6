import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compressionFromName, decompress, detectCompression, type Compression } from './decompress.js';

/** Compresses with the real command-line tool, so every backend is tested on bytes it did not produce itself. */
const TOOLS: Record<Exclude<Compression, 'none'>, [string, string[]]> = {
  gzip: ['gzip', ['-c', '-9']],
  xz: ['xz', ['-c', '-T1']],
  zstd: ['zstd', ['-c', '-q', '-19']],
  bzip2: ['bzip2', ['-c']],
};

function compressWithTool(kind: Exclude<Compression, 'none'>, data: Uint8Array): Buffer {
  const [tool, args] = TOOLS[kind];
  return execFileSync(tool, args, { input: data, maxBuffer: 1 << 28 });
}

async function* chunked(data: Uint8Array, size = 4093): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

// Half text (compressible), half random bytes: multi-block output for every format.
const sample = Buffer.concat([
  Buffer.from('<package><name>hello</name></package>\n'.repeat(30000)),
  randomBytes(300_000),
]);

describe('decompress', () => {
  for (const kind of Object.keys(TOOLS) as Exclude<Compression, 'none'>[]) {
    describe(kind, () => {
      const packed = compressWithTool(kind, sample);

      it('round-trips bytes made by the real tool, in small chunks', async () => {
        expect(detectCompression(packed)).toBe(kind);
        const out = await collect(decompress(chunked(packed), kind));
        expect(out.equals(sample)).toBe(true);
      });

      it('stops cleanly when the consumer stops early', async () => {
        let seen = 0;
        for await (const chunk of decompress(chunked(packed), kind)) {
          seen += chunk.length;
          break;
        }
        expect(seen).toBeGreaterThan(0);
        // The same source decompresses again from scratch afterwards (nothing left half-open).
        expect((await collect(decompress(chunked(packed), kind))).equals(sample)).toBe(true);
      });

      it('fails with Corrupt on a truncated stream', async () => {
        const cut = packed.subarray(0, Math.floor(packed.length * 0.6));
        await expect(collect(decompress(chunked(cut), kind))).rejects.toMatchObject({ code: 'Corrupt' });
      });

      it('fails with Corrupt on garbage', async () => {
        const garbage = Buffer.concat([packed.subarray(0, 8), Buffer.alloc(5000, 0x55)]);
        await expect(collect(decompress(chunked(garbage), kind))).rejects.toMatchObject({ code: 'Corrupt' });
      });

      it('fails with Corrupt on an empty stream', async () => {
        await expect(collect(decompress(chunked(Buffer.alloc(0)), kind))).rejects.toMatchObject({ code: 'Corrupt' });
      });

      it('stops a decompression bomb at maxOutputBytes', async () => {
        const bomb = compressWithTool(kind, Buffer.alloc(20 << 20));
        await expect(collect(decompress(chunked(bomb), kind, { maxOutputBytes: 1 << 20 }))).rejects.toMatchObject({
          code: 'Corrupt',
          data: { limit: 1 << 20 },
        });
      });
    });
  }

  it('xz with a SHA-256 check (rpm payloads) also stops early and decodes again', async () => {
    const packed = execFileSync('xz', ['-c', '-T1', '-C', 'sha256'], { input: sample, maxBuffer: 1 << 28 });
    for await (const chunk of decompress(chunked(packed), 'xz')) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect((await collect(decompress(chunked(packed), 'xz'))).equals(sample)).toBe(true);
  });

  it('passes plain data through and detects it', async () => {
    expect(detectCompression(Buffer.from('<?xml'))).toBe('none');
    expect((await collect(decompress(chunked(sample), 'none'))).equals(sample)).toBe(true);
  });

  it('maps file suffixes', () => {
    expect(compressionFromName('x-primary.xml.gz')).toBe('gzip');
    expect(compressionFromName('x-primary.xml.xz')).toBe('xz');
    expect(compressionFromName('x-primary.xml.zst')).toBe('zstd');
    expect(compressionFromName('x-primary.xml.bz2')).toBe('bzip2');
    expect(compressionFromName('repomd.xml')).toBe('none');
  });

  it('rejects an unknown compression with Unsupported', async () => {
    await expect(collect(decompress(chunked(sample), 'lz4' as Compression))).rejects.toMatchObject({
      code: 'Unsupported',
    });
  });
});
