/// <reference path="./vendor-modules.d.ts" />
/**
 * One streaming decompression interface for the whole package (rpm-md metadata files and RPM payloads).
 *
 * Every backend is driven through async iterables of bytes, so the caller controls memory: at most one input chunk
 * and the output it produced are held at a time. Backends: gzip → node:zlib; zstd → node:zlib where the running Node
 * has it (≥ 22.15), else `fzstd`; xz → `xz-decompress` (xz-embedded compiled to WebAssembly); bzip2 →
 * `unbzip2-stream`; the two pure-JS ones run in a worker thread (decompress-worker.ts). See the package README.
 */
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { CorruptError, UnsupportedError, AbortedError, isTsostreeError } from '@tsostree/errors';
// The two xz backends are imported on first use: loading them (a native addon, a WebAssembly module) costs
// ~30–80 ms at start-up, which every command importing this package would pay for a format it rarely meets.
import { decompressInWorker } from './decompress-worker.js';

export type Compression = 'none' | 'gzip' | 'xz' | 'zstd' | 'bzip2';

export const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'xz', 'zstd', 'bzip2'];

export interface DecompressOptions {
  /** Fail with `CorruptError` once the output grows past this many bytes (decompression-bomb guard). */
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

/** Detects the compression of a stream from its first bytes (at least 6 are needed for xz). */
export function detectCompression(head: Uint8Array): Compression {
  const at = (i: number): number => head[i] ?? -1;
  if (at(0) === 0x1f && at(1) === 0x8b) return 'gzip';
  if (at(0) === 0xfd && at(1) === 0x37 && at(2) === 0x7a && at(3) === 0x58 && at(4) === 0x5a && at(5) === 0x00) {
    return 'xz';
  }
  if (at(0) === 0x28 && at(1) === 0xb5 && at(2) === 0x2f && at(3) === 0xfd) return 'zstd';
  if (at(0) === 0x42 && at(1) === 0x5a && at(2) === 0x68) return 'bzip2';
  return 'none';
}

/** The compression a file name announces by its suffix (`.gz`, `.xz`, `.zst`/`.zstd`, `.bz2`), else `none`. */
export function compressionFromName(name: string): Compression {
  if (name.endsWith('.gz')) return 'gzip';
  if (name.endsWith('.xz')) return 'xz';
  if (name.endsWith('.zst') || name.endsWith('.zstd')) return 'zstd';
  if (name.endsWith('.bz2')) return 'bzip2';
  return 'none';
}

/** Output chunk size for node:zlib streams: 16 x the default, far fewer stream round trips on big inputs. */
const NODE_CHUNK = 256 * 1024;

type ZstdStreamFactory = ((options?: { chunkSize?: number }) => zlib.Zlib & NodeJS.ReadWriteStream) | undefined;
/** node:zlib's zstd, present from Node 22.15 / 23.8 on. */
const nodeZstd: ZstdStreamFactory = (zlib as unknown as { createZstdDecompress?: ZstdStreamFactory })
  .createZstdDecompress;

/** Whether zstd runs through node:zlib (native) rather than the pure-JS fallback on this Node version. */
export const zstdBackend: 'node:zlib' | 'fzstd' = nodeZstd ? 'node:zlib' : 'fzstd';

/**
 * Decompresses `source` as `kind`, yielding the decompressed bytes chunk by chunk. A truncated or corrupt stream
 * fails with `CorruptError` (code `Corrupt`) naming the compression.
 */
export async function* decompress(
  source: AsyncIterable<Uint8Array>,
  kind: Compression,
  options: DecompressOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const max = options.maxOutputBytes ?? Number.POSITIVE_INFINITY;
  let total = 0;
  const inner = backend(source, kind);
  try {
    for await (const chunk of inner) {
      if (options.signal?.aborted) throw new AbortedError('decompression aborted', { cause: options.signal.reason });
      if (chunk.length === 0) continue;
      total += chunk.length;
      if (total > max) {
        throw new CorruptError(`${kind} stream decompresses to more than ${max} bytes`, {
          data: { compression: kind, limit: max },
        });
      }
      yield chunk;
    }
  } catch (error) {
    if (isTsostreeError(error)) throw error;
    throw new CorruptError(`corrupt ${kind} stream: ${(error as Error).message ?? String(error)}`, {
      cause: error,
      data: { compression: kind },
    });
  } finally {
    await inner.return?.(undefined);
  }
}

function backend(source: AsyncIterable<Uint8Array>, kind: Compression): AsyncGenerator<Uint8Array, void, undefined> {
  switch (kind) {
    case 'none':
      return passThrough(source);
    case 'gzip':
      return throughNodeStream(source, zlib.createGunzip({ chunkSize: NODE_CHUNK }));
    case 'zstd':
      return nodeZstd ? throughNodeStream(source, nodeZstd({ chunkSize: NODE_CHUNK })) : decompressInWorker(source, 'zstd');
    case 'xz':
      return xz(source);
    case 'bzip2':
      return decompressInWorker(source, 'bzip2');
    default:
      throw new UnsupportedError(`unsupported compression ${String(kind)}`);
  }
}

async function* passThrough(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  yield* source;
}

async function* throughNodeStream(
  source: AsyncIterable<Uint8Array>,
  transform: NodeJS.ReadWriteStream,
): AsyncGenerator<Uint8Array, void, undefined> {
  const input = Readable.from(source, { objectMode: false });
  input.on('error', (error) => (transform as unknown as Readable).destroy(error));
  const output = input.pipe(transform) as unknown as Readable;
  try {
    for await (const chunk of output) yield chunk as Uint8Array;
  } finally {
    input.destroy();
    output.destroy();
  }
}

/** xz check types xz-decompress (xz-embedded) handles: none, CRC32, CRC64. */
const XZ_EMBEDDED_CHECKS = new Set([0x00, 0x01, 0x04]);

/**
 * xz streams whose integrity check xz-embedded does not implement (rpm writes its payloads with
 * SHA-256 checks) go through `lzma-native` (liblzma, prebuilt binaries shipped inside the npm
 * package); the others through xz-decompress. The check type is in the stream header's 8th byte.
 */
async function* xz(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const it = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let have = 0;
  while (have < 8) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    have += r.value.length;
  }
  const first = Buffer.concat(head);
  async function* replay(): AsyncGenerator<Uint8Array, void, undefined> {
    if (first.length) yield first;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  if (first.length >= 8 && !XZ_EMBEDDED_CHECKS.has(first[7]! & 0x0f)) {
    const { default: lzmaNative } = await import('lzma-native');
    yield* throughNodeStream(replay(), lzmaNative.createDecompressor({ synchronous: false }) as unknown as NodeJS.ReadWriteStream);
    return;
  }
  yield* xzEmbedded(replay());
}

async function* xzEmbedded(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const { default: xzDecompress } = await import('xz-decompress');
  const iterator = source[Symbol.asyncIterator]();
  let sawInput = false;
  const input = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else {
        if (next.value.length > 0) sawInput = true;
        controller.enqueue(next.value);
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  const reader = (new xzDecompress.XzReadableStream(input) as ReadableStream<Uint8Array>).getReader();
  let finished = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      yield next.value;
    }
    finished = true;
  } finally {
    // xz-decompress holds one process-wide decoder lock per stream until it ends or is cancelled: a consumer that
    // stops early (or an error downstream) must cancel, or every later xz stream in the process would wait forever.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  if (!sawInput) throw new CorruptError('empty xz stream', { data: { compression: 'xz' } });
}

