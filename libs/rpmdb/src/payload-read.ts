/**
 * Streaming an RPM's payload: the compressed bytes after the main header are hashed (PAYLOADDIGEST),
 * decompressed through the package's one decompression interface, hashed again (PAYLOADDIGESTALT),
 * and parsed as cpio; each archive member is matched to its header file entry and its content is
 * hashed against the header's file digest while it streams. Memory stays bounded by the chunk size.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ChecksumMismatchError, CorruptError, UnsupportedError, throwIfAborted } from '@tsostree/errors';
import { decompress, detectCompression, type Compression } from './compress/decompress.js';
import { readCpio, type CpioEntry } from './format/cpio.js';
import { fileDigestAlgo, packageFiles, payloadInfo, type RpmFileEntry } from './format/package-info.js';
import type { RpmPackageHeaders } from './format/package.js';
import { readPackageHeaders } from './package-read.js';

export interface ReadPayloadOptions {
  signal?: AbortSignal;
  /** Check PAYLOADDIGEST / PAYLOADDIGESTALT and every file digest (default true). */
  verify?: boolean;
  /** Read size for the package file (default 256 KiB). */
  chunkSize?: number;
  /**
   * gzip (or uncompressed) payloads up to this many compressed bytes are read and inflated in one piece (default
   * {@link SMALL_PAYLOAD_BYTES}; 0 streams every payload).
   */
  wholePayloadMaxBytes?: number;
}

async function* hashing(source: AsyncIterable<Uint8Array>, hash: Hash | undefined, done: () => void, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    throwIfAborted(signal);
    hash?.update(chunk);
    yield chunk;
  }
  done();
}

async function* sniffed(source: AsyncIterable<Uint8Array>, declared: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let have = 0;
  while (have < 6) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    have += r.value.length;
  }
  const first = Buffer.concat(head);
  let kind: Compression;
  switch (declared) {
    case '':
    case 'gzip':
      // rpm reads these through zlib, which passes data that is not gzip through unchanged
      // (what rpmbuild's w0.ufdio writes, with no PAYLOADCOMPRESSOR tag).
      kind = detectCompression(first) === 'gzip' ? 'gzip' : 'none';
      break;
    case 'xz':
      kind = 'xz';
      break;
    case 'zstd':
      kind = 'zstd';
      break;
    case 'bzip2':
      kind = 'bzip2';
      break;
    default:
      throw new UnsupportedError(`rpm payload: compressor ${JSON.stringify(declared)} is not supported`, { data: { compressor: declared } });
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (first.length) yield new Uint8Array(first.buffer, first.byteOffset, first.length);
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  yield* decompress(rest(), kind, { signal });
}

/** Compressed payloads up to this size are read and decompressed in one piece (see {@link smallPayload}). */
export const SMALL_PAYLOAD_BYTES = 4 * 1024 * 1024;
/** …as long as they decompress to at most this much; a bigger one streams instead. */
const SMALL_PAYLOAD_MAX_OUTPUT = 64 * 1024 * 1024;

/**
 * The payload of a small gzip (or uncompressed) package in one piece: one read and one inflate instead of a
 * read stream, a zlib stream and their buffers (most packages are small: the stream set-up and its 256 KiB
 * buffers cost more than the data). Undefined when the payload is not small or not gzip/none, or inflates past
 * {@link SMALL_PAYLOAD_MAX_OUTPUT} (the caller streams it, bounded).
 */
function smallPayload(
  path: string,
  pkg: RpmPackageHeaders,
  compressor: string,
  maxBytes: number,
): { compressed: Uint8Array; plain: Uint8Array } | undefined {
  if ((compressor !== '' && compressor !== 'gzip') || maxBytes <= 0) return undefined;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined; // the stream reports it
  }
  try {
    const size = fstatSync(fd).size - pkg.payloadOffset;
    if (size < 0 || size > maxBytes) return undefined;
    const compressed = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, compressed, got, size - got, pkg.payloadOffset + got);
      if (n === 0) break;
      got += n;
    }
    const bytes = compressed.subarray(0, got);
    // As in sniffed(): rpm passes data that is not gzip through unchanged.
    if (detectCompression(bytes) !== 'gzip') return { compressed: bytes, plain: bytes };
    try {
      return { compressed: bytes, plain: gunzipSync(bytes, { maxOutputLength: SMALL_PAYLOAD_MAX_OUTPUT }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
      throw new CorruptError(`corrupt gzip stream: ${(error as Error).message}`, { cause: error, data: { compression: 'gzip' } });
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The uncompressed payload (the cpio archive) of a package, chunk by chunk. With `verify` the
 * payload digests from the header are checked when the stream ends: a mismatch throws
 * `ChecksumMismatchError` after the last chunk.
 */
export async function* readPayload(path: string, pkg: RpmPackageHeaders, options: ReadPayloadOptions = {}): AsyncGenerator<Uint8Array> {
  const info = payloadInfo(pkg.header);
  const verify = options.verify ?? true;
  const raw = verify && info.digest ? createHash(info.digestAlgo) : undefined;
  const alt = verify && info.digestAlt ? createHash(info.digestAlgo) : undefined;
  throwIfAborted(options.signal);
  let rawDigest: string | undefined;
  let altDigest: string | undefined;
  const small = smallPayload(path, pkg, info.compressor, options.wholePayloadMaxBytes ?? SMALL_PAYLOAD_BYTES);
  if (small) {
    rawDigest = raw?.update(small.compressed).digest('hex');
    altDigest = alt?.update(small.plain).digest('hex');
    if (small.plain.length > 0) yield small.plain;
  } else {
    const file = createReadStream(path, { start: pkg.payloadOffset, highWaterMark: options.chunkSize ?? 256 * 1024 });
    const compressed = hashing(file as AsyncIterable<Uint8Array>, raw, () => (rawDigest = raw?.digest('hex')), options.signal);
    yield* hashing(sniffed(compressed, info.compressor, options.signal), alt, () => (altDigest = alt?.digest('hex')));
  }
  if (raw && rawDigest !== info.digest) {
    throw new ChecksumMismatchError(`${path}: payload digest mismatch`, { expected: info.digest, actual: rawDigest, data: { path, what: 'payload' } });
  }
  if (alt && altDigest !== info.digestAlt) {
    throw new ChecksumMismatchError(`${path}: uncompressed payload digest mismatch`, {
      expected: info.digestAlt,
      actual: altDigest,
      data: { path, what: 'payload-uncompressed' },
    });
  }
}

export interface PayloadFile {
  /** Index of the file in the header's file list. */
  index: number;
  file: RpmFileEntry;
  entry: CpioEntry;
  /**
   * The member's content as stored in the archive. For regular files with `verify`, the header
   * digest is checked when the stream ends (ChecksumMismatchError); a hardlink set carries its
   * content on one member only (the others have `entry.size` 0).
   */
  data: AsyncGenerator<Uint8Array>;
}

/** Strips rpm's `./` prefix and maps an archive name to the header's absolute path. */
export function archivePathToFilePath(name: string): string {
  if (name.startsWith('./')) return name.slice(1);
  if (name.startsWith('/')) return name;
  return '/' + name;
}

async function* verifiedData(data: AsyncGenerator<Uint8Array>, file: RpmFileEntry, algo: string, pkgPath: string): AsyncGenerator<Uint8Array> {
  const h = createHash(algo);
  let n = 0;
  for await (const chunk of data) {
    h.update(chunk);
    n += chunk.length;
    yield chunk;
  }
  if (n !== file.size) {
    throw new CorruptError(`${pkgPath}: ${file.path} has ${n} bytes in the payload, the header says ${file.size}`, {
      data: { path: file.path, reason: 'size-mismatch' },
    });
  }
  const actual = h.digest('hex');
  if (actual !== file.digest) {
    throw new ChecksumMismatchError(`${pkgPath}: ${file.path}: file digest mismatch`, { expected: file.digest, actual, data: { path: file.path, what: 'file' } });
  }
}

/**
 * The package's files as they come out of the payload, matched to the header. Members the header
 * does not list are a `CorruptError` (as rpm's "archive file not in header").
 */
export async function* readPayloadFiles(
  path: string,
  options: ReadPayloadOptions & { headers?: RpmPackageHeaders } = {},
): AsyncGenerator<PayloadFile> {
  const pkg = options.headers ?? (await readPackageHeaders(path));
  const format = payloadInfo(pkg.header).format;
  if (format !== 'cpio') {
    throw new UnsupportedError(`${path}: payload format ${JSON.stringify(format)} is not supported`, { data: { path, format } });
  }
  const files = packageFiles(pkg.header);
  const verify = options.verify ?? true;
  const algo = files.length ? fileDigestAlgo(pkg.header) : 'sha256';
  const byPath = new Map<string, number>();
  files.forEach((f, i) => byPath.set(f.path, i));
  const seen = new Set<number>();
  const payload = readPayload(path, pkg, options);
  const archive = readCpio(payload, {
    strippedFileSize: (i) => files[i]?.size,
  });
  for await (const { entry, data } of archive) {
    throwIfAborted(options.signal);
    const index = entry.fileIndex >= 0 ? entry.fileIndex : byPath.get(archivePathToFilePath(entry.name));
    if (index === undefined || files[index] === undefined) {
      throw new CorruptError(`${path}: archive member ${JSON.stringify(entry.name)} is not in the header`, {
        data: { path: entry.name, reason: 'not-in-header' },
      });
    }
    if (seen.has(index)) {
      throw new CorruptError(`${path}: archive member ${JSON.stringify(files[index].path)} appears twice`, { data: { path: files[index].path, reason: 'duplicate' } });
    }
    seen.add(index);
    const file = files[index];
    const regular = (file.mode & 0o170000) === 0o100000;
    // Regular files carry their content; a hardlink member without content gets it from the set.
    const carries = regular && (entry.size > 0 || file.size === 0);
    yield { index, file, entry, data: verify && carries ? verifiedData(data, file, algo, path) : data };
  }
  // Read past the trailer to the end, so the payload digests are checked.
  for await (const _ of payload) {
    // drain
  }
  for (const [i, f] of files.entries()) {
    if (!seen.has(i) && !f.ghost) {
      throw new CorruptError(`${path}: ${f.path} is missing from the payload`, { data: { path: f.path, reason: 'missing' } });
    }
  }
}
