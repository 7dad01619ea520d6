import { createHash, type Hash } from 'node:crypto';
import { InvalidArgumentError, ParseError } from '@tsostree/errors';
import { parseGVariant } from './gvariant/parse.js';
import { serializeGVariant } from './gvariant/serialize.js';
import { OSTREE_MAX_METADATA_SIZE } from './checksum.js';
import { assertFileMode, bswap32, bswap64, S_IFLNK, S_IFMT, S_IFREG } from './validate.js';
import { xattrsFromGVariant, xattrsToGVariant, type XattrEntry } from './xattrs.js';

/**
 * Content ("file") object headers.
 *
 * File header, ostree type `(uuuusa(ayay))` (ostree-core-private.h `_OSTREE_FILE_HEADER_GVARIANT_FORMAT`):
 * - `u` uid, `u` gid, `u` mode (with `S_IFMT`), `u` rdev (always 0), all **big-endian**
 * - `s` symlink target, `""` for regular files
 * - `a(ayay)` xattrs, sorted by name
 *
 * Archive (`.filez`) header, ostree type `(tuuuusa(ayay))` (`_OSTREE_ZLIB_FILE_HEADER_GVARIANT_FORMAT`):
 * the same fields preceded by `t` the uncompressed size, big-endian.
 *
 * In a content stream either header is framed as `be32(variant length)`, 4 NUL bytes (alignment
 * to 8), then the variant (ostree-core.c `variant_to_lenprefixed_buffer`). The checksum of a content
 * object is `sha256(framed file header ‖ file bytes)`; a symlink has no file bytes. A `.filez`
 * object is the framed archive header followed by the raw-DEFLATE file bytes (none for a symlink).
 */
export const FILE_HEADER_GVARIANT_TYPE = '(uuuusa(ayay))';
export const FILEZ_HEADER_GVARIANT_TYPE = '(tuuuusa(ayay))';

/** Largest symlink target we accept (Linux `PATH_MAX` minus the NUL). */
export const MAX_SYMLINK_TARGET = 4095;

export interface FileHeader {
  uid: number;
  gid: number;
  /** Full `st_mode`: `S_IFREG` or `S_IFLNK` plus permission bits. */
  mode: number;
  /** Always 0 for the file types ostree stores. */
  rdev: number;
  /** The target for a symlink, `""` for a regular file. */
  symlinkTarget: string;
  xattrs: XattrEntry[];
}

export interface FilezHeader extends FileHeader {
  /** Uncompressed size of the file content. */
  size: number;
}

function checkHeaderArg(h: FileHeader): void {
  const fmt = h.mode & S_IFMT;
  const ok = (fmt === S_IFREG || fmt === S_IFLNK) && (h.mode & ~(S_IFMT | 0o7777)) === 0;
  if (!ok) throw new InvalidArgumentError(`invalid content object mode 0${h.mode.toString(8)}`, { data: { mode: h.mode } });
  if (fmt === S_IFLNK && (h.symlinkTarget.length === 0 || h.symlinkTarget.length > MAX_SYMLINK_TARGET)) {
    throw new InvalidArgumentError('symlink target must be 1 to 4095 bytes', { data: { length: h.symlinkTarget.length } });
  }
  if (fmt === S_IFREG && h.symlinkTarget !== '') throw new InvalidArgumentError('a regular file has no symlink target');
}

function frame(variant: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + variant.length);
  new DataView(out.buffer).setUint32(0, variant.length, false);
  out.set(variant, 8);
  return out;
}

/** The GVariant `(uuuusa(ayay))` of a file header (xattrs in canonical order). */
export function serializeFileHeader(h: FileHeader): Uint8Array {
  checkHeaderArg(h);
  return serializeGVariant(FILE_HEADER_GVARIANT_TYPE, [bswap32(h.uid), bswap32(h.gid), bswap32(h.mode), bswap32(h.rdev), h.symlinkTarget, xattrsToGVariant(h.xattrs)]);
}

/** The framed file header that starts the checksum stream of a content object. */
export function fileHeaderStreamPrefix(h: FileHeader): Uint8Array {
  return frame(serializeFileHeader(h));
}

/** The framed `.filez` header (`size` = uncompressed content size; 0 for symlinks). */
export function serializeFilezHeader(h: FilezHeader): Uint8Array {
  checkHeaderArg(h);
  if (!Number.isSafeInteger(h.size) || h.size < 0) throw new InvalidArgumentError(`invalid content size ${h.size}`, { data: { size: h.size } });
  return frame(
    serializeGVariant(FILEZ_HEADER_GVARIANT_TYPE, [
      bswap64(BigInt(h.size)),
      bswap32(h.uid),
      bswap32(h.gid),
      bswap32(h.mode),
      bswap32(h.rdev),
      h.symlinkTarget,
      xattrsToGVariant(h.xattrs),
    ]),
  );
}

/**
 * The total length (8 + variant length) of a framed header, from its first 8 bytes, so a reader can
 * fetch exactly the header of a stream. Throws `ParseError` for bad framing or an oversized header.
 */
export function framedHeaderLength(first8: Uint8Array): number {
  if (first8.length < 8) throw new ParseError('content header truncated', { offset: first8.length });
  const len = new DataView(first8.buffer, first8.byteOffset, 8).getUint32(0, false);
  for (let i = 4; i < 8; i++) if (first8[i] !== 0) throw new ParseError('non-zero padding after content header length', { offset: i });
  if (len > OSTREE_MAX_METADATA_SIZE) throw new ParseError(`content header of ${len} bytes exceeds the maximum metadata size`, { offset: 0 });
  return 8 + len;
}

function validateHeader(h: FileHeader): void {
  assertFileMode(h.mode);
  if (h.rdev !== 0) throw new ParseError(`corrupted content header: rdev is ${h.rdev}`, { data: { rdev: h.rdev } });
  if ((h.mode & S_IFMT) === S_IFLNK) {
    if (h.symlinkTarget.length === 0) throw new ParseError('corrupted content header: empty symlink target');
    if (Buffer.byteLength(h.symlinkTarget) > MAX_SYMLINK_TARGET) throw new ParseError('corrupted content header: symlink target too long');
  } else if (h.symlinkTarget !== '') {
    throw new ParseError('corrupted content header: regular file with a symlink target');
  }
}

function splitFramed(bytes: Uint8Array): [variant: Uint8Array, end: number] {
  const total = framedHeaderLength(bytes);
  if (bytes.length < total) throw new ParseError(`content header truncated: need ${total} bytes, have ${bytes.length}`, { offset: bytes.length });
  return [bytes.subarray(8, total), total];
}

function withOffset<T>(base: number, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ParseError && e.offset !== undefined) throw new ParseError(e.message, { offset: e.offset + base, data: { ...e.data, offset: e.offset + base } });
    throw e;
  }
}

/** Parses the GVariant `(uuuusa(ayay))` of a file header (unframed) and validates it like ostree. */
export function parseFileHeader(variant: Uint8Array): FileHeader {
  const [uid, gid, mode, rdev, symlinkTarget, xattrs] = parseGVariant(FILE_HEADER_GVARIANT_TYPE, variant) as [number, number, number, number, string, [Uint8Array, Uint8Array][]];
  const h = { uid: bswap32(uid), gid: bswap32(gid), mode: bswap32(mode), rdev: bswap32(rdev), symlinkTarget, xattrs: xattrsFromGVariant(xattrs) };
  validateHeader(h);
  return h;
}

/** Parses a framed file header at the start of `bytes`; returns it and where the content starts. */
export function parseFileHeaderStream(bytes: Uint8Array): { header: FileHeader; contentOffset: number } {
  const [variant, end] = splitFramed(bytes);
  return { header: withOffset(8, () => parseFileHeader(variant)), contentOffset: end };
}

/**
 * Parses the framed header at the start of a `.filez` object (`bytes` may hold more, or just the
 * header); returns it and where the raw-DEFLATE payload starts.
 */
export function parseFilezHeader(bytes: Uint8Array): { header: FilezHeader; payloadOffset: number } {
  const [variant, end] = splitFramed(bytes);
  const header = withOffset(8, () => {
    const [size, uid, gid, mode, rdev, symlinkTarget, xattrs] = parseGVariant(FILEZ_HEADER_GVARIANT_TYPE, variant) as [bigint, number, number, number, number, string, [Uint8Array, Uint8Array][]];
    const sz = bswap64(size);
    if (sz > BigInt(Number.MAX_SAFE_INTEGER)) throw new ParseError(`content size ${sz} out of range`, { offset: 0 });
    const h = { size: Number(sz), uid: bswap32(uid), gid: bswap32(gid), mode: bswap32(mode), rdev: bswap32(rdev), symlinkTarget, xattrs: xattrsFromGVariant(xattrs) };
    validateHeader(h);
    if ((h.mode & S_IFMT) === S_IFLNK && h.size !== 0) throw new ParseError('corrupted content header: symlink with a content size', { offset: 0 });
    return h;
  });
  return { header, payloadOffset: end };
}

/** A SHA-256 hasher already fed with the framed file header: feed it the file bytes, then digest('hex'). */
export function createContentHasher(h: FileHeader): Hash {
  return createHash('sha256').update(fileHeaderStreamPrefix(h));
}

/** Checksum (hex) of a content object from its header and file bytes (none for a symlink). */
export function contentChecksum(h: FileHeader, content: Uint8Array | Iterable<Uint8Array> = []): string {
  const hash = createContentHasher(h);
  if (content instanceof Uint8Array) hash.update(content);
  else for (const c of content) hash.update(c);
  return hash.digest('hex');
}

/** Like {@link contentChecksum} for a stream of file bytes, in bounded memory. */
export async function contentChecksumStream(h: FileHeader, content: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createContentHasher(h);
  for await (const c of content) hash.update(c);
  return hash.digest('hex');
}
