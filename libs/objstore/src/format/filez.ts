import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';
import { CorruptError, InvalidArgumentError, ParseError } from '@tsostree/errors';
import { framedHeaderLength, parseFilezHeader, serializeFilezHeader, type FilezHeader } from './file-header.js';
import { S_IFLNK, S_IFMT } from './validate.js';

/**
 * Archive-mode content objects (`.filez`): the framed `(tuuuusa(ayay))` header followed by the file
 * bytes as a raw DEFLATE stream (zlib "raw", no zlib/gzip wrapper), compression level 6 like
 * ostree's default. Symlinks are the header alone. Everything here streams: memory stays bounded
 * whatever the file size.
 */

/** ostree's default archive compression level (`OSTREE_ARCHIVE_DEFAULT_COMPRESSION_LEVEL`). */
export const FILEZ_COMPRESSION_LEVEL = 6;

/** A raw-DEFLATE compressor configured like ostree's archive writer. */
export function createFilezDeflate(level = FILEZ_COMPRESSION_LEVEL): DeflateRaw {
  return createDeflateRaw({ level });
}

/** A raw-DEFLATE decompressor for `.filez` payloads (`chunkSize`: bytes per output chunk, zlib's default 16 KiB). */
export function createFilezInflate(chunkSize?: number): InflateRaw {
  return createInflateRaw(chunkSize ? { chunkSize } : {});
}

const isSymlink = (h: FilezHeader): boolean => (h.mode & S_IFMT) === S_IFLNK;

/**
 * Streams a `.filez` object: the header bytes, then the compressed content. `header.size` must be
 * the exact number of content bytes; a mismatch is an `InvalidArgumentError`.
 */
export async function* encodeFilez(header: FilezHeader, content?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: { level?: number } = {}): AsyncGenerator<Uint8Array> {
  yield serializeFilezHeader(header);
  if (isSymlink(header)) return;
  let seen = 0;
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    if (content) {
      for await (const c of content) {
        seen += c.length;
        yield c;
      }
    }
    if (seen !== header.size) throw new InvalidArgumentError(`content has ${seen} bytes, header says ${header.size}`, { data: { size: header.size, actual: seen } });
  };
  const deflate = createFilezDeflate(options.level);
  const pumping = pipeline(Readable.from(counted()), deflate);
  // A rejection is rethrown below through the deflate stream; keep it from being reported as unhandled.
  pumping.catch(() => undefined);
  for await (const chunk of deflate as AsyncIterable<Buffer>) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  await pumping;
}

/** Reads chunks from `it` until `buf` holds at least `n` bytes (or the source ends). */
async function fill(it: AsyncIterator<Uint8Array>, buf: Uint8Array, n: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [buf];
  let have = buf.length;
  while (have < n) {
    const r = await it.next();
    if (r.done) break;
    parts.push(r.value);
    have += r.value.length;
  }
  return parts.length === 1 ? buf : Buffer.concat(parts);
}

export interface DecodedFilez {
  header: FilezHeader;
  /** The uncompressed file bytes; checks the total against `header.size` (a `CorruptError` otherwise). */
  content: AsyncIterable<Uint8Array>;
}

/**
 * Decodes a `.filez` stream: parses the header, then returns the decompressed content as a stream.
 * Decompression stops with a `CorruptError` as soon as the output exceeds the declared size
 * (bounded work on a decompression bomb), or at the end if it is shorter.
 */
export async function decodeFilez(source: AsyncIterable<Uint8Array>, options: { chunkSize?: number } = {}): Promise<DecodedFilez> {
  const it = source[Symbol.asyncIterator]();
  let buf = await fill(it, new Uint8Array(0), 8);
  if (buf.length < 8) throw new ParseError('.filez object truncated in its header', { offset: buf.length });
  const total = framedHeaderLength(buf);
  buf = await fill(it, buf, total);
  const { header, payloadOffset } = parseFilezHeader(buf);
  const rest = buf.subarray(payloadOffset);
  if (isSymlink(header)) {
    const more = rest.length > 0 ? rest : (await it.next()).value;
    if (more && more.length > 0) throw new CorruptError('.filez symlink object has trailing data', { data: { offset: payloadOffset } });
    return { header, content: (async function* () {})() };
  }
  // Payload bytes handed to the inflater, and whether the source has no more: zlib stops at the end of the DEFLATE
  // stream, so bytes after it are found by comparing these with what it consumed.
  let fed = 0;
  let sourceDone = false;
  const payload = async function* (): AsyncGenerator<Uint8Array> {
    if (rest.length > 0) {
      fed += rest.length;
      yield rest;
    }
    for (;;) {
      const r = await it.next();
      if (r.done) {
        sourceDone = true;
        return;
      }
      fed += r.value.length;
      yield r.value;
    }
  };
  const content = async function* (): AsyncGenerator<Uint8Array> {
    const inflate = createFilezInflate(options.chunkSize);
    const pumping = pipeline(Readable.from(payload()), inflate);
    pumping.catch(() => undefined);
    let seen = 0;
    const trailing = (): CorruptError => new CorruptError('.filez has trailing data after the DEFLATE stream', { data: { consumed: inflate.bytesWritten } });
    try {
      for await (const chunk of inflate as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > header.size) throw new CorruptError(`.filez content is larger than its declared ${header.size} bytes`, { data: { size: header.size } });
        yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
      if (!sourceDone || inflate.bytesWritten < fed) throw trailing();
      await pumping;
    } catch (e) {
      inflate.destroy();
      if (e instanceof CorruptError) throw e;
      // zlib ended early with input left (reported by the pipeline as a premature close or an abort).
      if (inflate.bytesWritten < fed) throw trailing();
      throw new CorruptError(`.filez payload is not a valid raw DEFLATE stream: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (seen !== header.size) throw new CorruptError(`.filez content has ${seen} bytes, header says ${header.size}`, { data: { size: header.size, actual: seen } });
  };
  return { header, content: content() };
}
