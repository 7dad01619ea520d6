/**
 * xz for static-delta parts, through liblzma (`lzma-native`, loaded with `createRequire`: it is a
 * CommonJS native addon without type declarations). Compression uses ostree's settings (LZMA2,
 * CRC64 check, preset 8) but picks the smallest preset from 6 up whose dictionary still covers
 * the input: presets 6–9 differ only in dictionary size, so the output is the same for such
 * inputs and the encoder needs far less memory. Decompression is bounded: a part that inflates
 * beyond `maxOutput` bytes is refused as soon as that is seen (xz bombs).
 */
import { createRequire } from 'node:module';
import { CorruptError } from '@tsostree/errors';

interface LzmaStream extends NodeJS.ReadWriteStream {
  destroy(error?: Error): void;
}
interface LzmaNative {
  createCompressor(options: { preset: number; check: number; threads?: number }): LzmaStream;
  createDecompressor(options?: { memlimit?: number; bufsize?: number }): LzmaStream;
  CHECK_CRC64: number;
}

const require = createRequire(import.meta.url);
let lzma: LzmaNative | undefined;
function lib(): LzmaNative {
  lzma ??= require('lzma-native') as LzmaNative;
  return lzma;
}

const MiB = 1024 * 1024;

function presetFor(size: number): number {
  if (size <= 8 * MiB) return 6;
  if (size <= 16 * MiB) return 7;
  if (size <= 32 * MiB) return 8;
  return 9;
}

function run(stream: LzmaStream, input: Uint8Array, maxOutput: number, what: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const fail = (error: Error): void => {
      if (done) return;
      done = true;
      stream.destroy();
      reject(error);
    };
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      total += chunk.length;
      if (total > maxOutput) {
        fail(new CorruptError(`${what} expands to more than ${maxOutput} bytes`, { data: { limit: maxOutput } }));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('error', (error: Error) => fail(new CorruptError(`${what}: invalid xz data (${error.message})`, { cause: error })));
    stream.on('end', () => {
      if (done) return;
      done = true;
      const out = Buffer.concat(chunks, total);
      resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
    });
    stream.end(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  });
}

/** xz-compresses `data` (LZMA2, CRC64, like ostree's delta compressor). */
export function xzCompress(data: Uint8Array): Promise<Uint8Array> {
  const l = lib();
  return run(l.createCompressor({ preset: presetFor(data.length), check: l.CHECK_CRC64 }), data, Number.MAX_SAFE_INTEGER, 'xz compression');
}

/** Decompresses one xz stream, failing with `CorruptError` on bad data or more than `maxOutput` bytes. */
export function xzDecompress(data: Uint8Array, maxOutput: number, what = 'xz stream'): Promise<Uint8Array> {
  // Output buffers of 1 MiB instead of the default 64 KiB: each buffer is one hop from liblzma's
  // thread to the event loop, and parts inflate to tens of MiB (bsdiff patches are mostly zeros).
  return run(lib().createDecompressor({ memlimit: 256 * MiB, bufsize: MiB }), data, maxOutput, what);
}
