import { InvalidArgumentError } from '@tsostree/errors';
import { parseGVariant } from './gvariant/parse.js';
import { serializeGVariant } from './gvariant/serialize.js';
import { assertMetadataSize } from './checksum.js';
import { assertDirMode, bswap32, S_IFDIR, S_IFMT } from './validate.js';
import { xattrsFromGVariant, xattrsToGVariant, type XattrEntry } from './xattrs.js';

/**
 * Directory metadata (`.dirmeta`) and the bare-user file metadata (`user.ostreemeta` xattr).
 *
 * ostree type `(uuua(ayay))` (ostree-core.h `OSTREE_DIRMETA_GVARIANT_STRING`,
 * `OSTREE_FILEMETA_GVARIANT_STRING`):
 * - `u` uid, big-endian
 * - `u` gid, big-endian
 * - `u` mode including the `S_IFMT` type bits, big-endian
 * - `a(ayay)` xattrs: NUL-terminated name, value; sorted by name
 */
export const DIRMETA_GVARIANT_TYPE = '(uuua(ayay))';
/** bare-user `user.ostreemeta`: same layout as a dirmeta, for files and symlinks. */
export const FILEMETA_GVARIANT_TYPE = '(uuua(ayay))';

export interface DirMeta {
  uid: number;
  gid: number;
  /** Full `st_mode`, `S_IFDIR` included for a dirmeta, `S_IFREG`/`S_IFLNK` for a filemeta. */
  mode: number;
  xattrs: XattrEntry[];
}

/** Same fields as {@link DirMeta}; the value of bare-user's `user.ostreemeta`. */
export type FileMeta = DirMeta;

function serializeMeta(m: DirMeta): Uint8Array {
  return serializeGVariant(DIRMETA_GVARIANT_TYPE, [bswap32(m.uid), bswap32(m.gid), bswap32(m.mode), xattrsToGVariant(m.xattrs)]);
}

function parseMeta(bytes: Uint8Array, what: string): DirMeta {
  assertMetadataSize(what, bytes.length);
  const [uid, gid, mode, xattrs] = parseGVariant(DIRMETA_GVARIANT_TYPE, bytes) as [number, number, number, [Uint8Array, Uint8Array][]];
  return { uid: bswap32(uid), gid: bswap32(gid), mode: bswap32(mode), xattrs: xattrsFromGVariant(xattrs) };
}

/** Serializes a `.dirmeta` object (xattrs are put in canonical order). */
export function serializeDirMeta(meta: DirMeta): Uint8Array {
  if ((meta.mode & S_IFMT) !== S_IFDIR || (meta.mode & ~(S_IFMT | 0o7777)) !== 0) {
    throw new InvalidArgumentError(`invalid directory mode 0${meta.mode.toString(8)}`, { data: { mode: meta.mode } });
  }
  return serializeMeta(meta);
}

/** Parses and validates a `.dirmeta` object: normal form, size limit, a directory mode (`ostree_validate_structureof_dirmeta`). */
export function parseDirMeta(bytes: Uint8Array): DirMeta {
  const m = parseMeta(bytes, 'dirmeta');
  assertDirMode(m.mode);
  return m;
}

/** Serializes the bare-user `user.ostreemeta` value of a file or symlink. */
export function serializeFileMeta(meta: FileMeta): Uint8Array {
  return serializeMeta(meta);
}

/** Parses a bare-user `user.ostreemeta` value (any file type is accepted here; the caller checks it against the file). */
export function parseFileMeta(bytes: Uint8Array): FileMeta {
  return parseMeta(bytes, 'user.ostreemeta');
}
