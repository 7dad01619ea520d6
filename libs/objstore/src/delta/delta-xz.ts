/**
 * xz for static-delta parts, through liblzma (`lzma-native`, loaded with `createRequire`: it is a
 * CommonJS native addon without type declarations). Compression uses ostree's settings (LZMA2,
 * CRC64 check, preset 8) but picks the smallest preset from 6 up whose dictionary still covers
 * the input: presets 6–9 differ only in dictionary size, so the output is the same for such
 * inputs and the encoder needs far less memory. Decompression is bounded: a part that inflates
 * beyond `maxOutput` bytes is refused as soon as that is seen (xz bombs). It runs through the
 * package's addon on the system liblzma (`xz-native.ts`, faster than lzma-native's bundled 5.2.3) when
 * that is built, else through lzma-native; both accept the same inputs and fail with the same errors.
 */
import { createRequire } from 'node:module';
import { CorruptError } from '@tsostree/errors';
import { nativeXz, XZ_OUTPUT_LIMIT } from './xz-native.js';

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

function tooLarge(what: string, maxOutput: number): CorruptError {
  return new CorruptError(`${what} expands to more than ${maxOutput} bytes`, { data: { limit: maxOutput } });
}

function invalid(what: string, error: Error): CorruptError {
  return new CorruptError(`${what}: invalid xz data (${error.message})`, { cause: error });
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
        fail(tooLarge(what, maxOutput));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('error', (error: Error) => fail(invalid(what, error)));
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

/**
 * Decompresses an xz stream (concatenated streams, with zero padding between them, decode to their
 * concatenation; so does lzma-native), failing with `CorruptError` on bad data or more than `maxOutput`
 * bytes. `options.native: false` forces lzma-native (tests; the default uses the addon when built).
 */
export async function xzDecompress(data: Uint8Array, maxOutput: number, what = 'xz stream', options: { native?: boolean } = {}): Promise<Uint8Array> {
  const addon = options.native === false ? undefined : nativeXz();
  if (addon) {
    try {
      // A negative limit allows only empty output and NaN none at all, as the stream path's `total > maxOutput`.
      const out = await addon.xzDecode(data, Number.isNaN(maxOutput) ? Infinity : Math.max(0, maxOutput));
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (error) {
      if ((error as { code?: unknown }).code === XZ_OUTPUT_LIMIT) throw tooLarge(what, maxOutput);
      throw invalid(what, error as Error);
    }
  }
  // Output buffers of 1 MiB instead of the default 64 KiB: each buffer is one hop from liblzma's
  // thread to the event loop, and parts inflate to tens of MiB (bsdiff patches are mostly zeros).
  return run(lib().createDecompressor({ memlimit: 256 * MiB, bufsize: MiB }), data, maxOutput, what);
}
