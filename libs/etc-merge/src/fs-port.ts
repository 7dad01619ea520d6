import { InvalidArgumentError } from '@tsostree/errors';

/**
 * The narrow filesystem interface the merge runs on. Every path is relative to the port's own root,
 * `/`-separated, with no empty, `.` or `..` components; the empty string is the root itself.
 * Implementations never follow symbolic links, neither in the last component nor in a parent.
 */
export type EntryKind = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'char' | 'block';

export interface EntryStat {
  kind: EntryKind;
  /** The full `st_mode`, file type bits included. */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes for regular files, target length for symlinks. */
  size: number;
  /** Modification time in milliseconds (preserved on copies, never compared). */
  mtimeMs: number;
  /** Inode number when the port has one (only used to list entries in ostree's order). */
  ino?: number;
}

/** Owner and permission bits to apply; `mode` is masked to 0o7777. */
export interface EntryAttrs {
  uid: number;
  gid: number;
  mode: number;
}

/** Result of {@link FsPort.mkdir}, with `mkdirat(2)` semantics. */
export type MkdirResult = 'created' | 'exists' | 'missing-parent' | 'not-a-directory';

export interface FsPort {
  /** Metadata of the entry itself (never of a symlink's target); undefined when nothing is there. */
  lstat(path: string): Promise<EntryStat | undefined>;
  /** Names in the directory, in the order the filesystem returns them. */
  readdir(path: string): Promise<string[]>;
  /** Optional batch form: the names in {@link readdir} order with their {@link lstat}s. */
  readdirStats?(path: string): Promise<{ name: string; stat: EntryStat | undefined }[]>;
  readFile(path: string): Promise<Uint8Array>;
  /** Streams a regular file in chunks (for large files); optional. */
  readChunks?(path: string): AsyncIterable<Uint8Array>;
  readlink(path: string): Promise<string>;
  /**
   * Creates one directory (mode 0700 until attributes are applied). Reports rather than throws the
   * `mkdirat` outcomes the merge branches on; anything else is thrown.
   */
  mkdir(path: string): Promise<MkdirResult>;
  /** Creates or truncates a regular file (never through a symlink), then applies owner and mode. */
  writeFile(path: string, data: Uint8Array, attrs: EntryAttrs, mtimeMs?: number): Promise<void>;
  /** Like {@link writeFile} but from a stream of chunks (large files); optional. */
  writeFileChunks?(path: string, chunks: AsyncIterable<Uint8Array>, attrs: EntryAttrs, mtimeMs?: number): Promise<void>;
  /** Creates a symbolic link (fails if `path` exists), then applies its owner. */
  symlink(target: string, path: string, owner: { uid: number; gid: number }, mtimeMs?: number): Promise<void>;
  /** Applies owner then mode to a directory or regular file, or owner to a symlink. */
  setAttrs(path: string, attrs: EntryAttrs): Promise<void>;
  /** Extended attribute names of the entry itself. */
  listXattrs(path: string): Promise<string[]>;
  getXattr(path: string, name: string): Promise<Uint8Array | undefined>;
  setXattr(path: string, name: string, value: Uint8Array): Promise<void>;
  /** Removes a non-directory (`unlink`); throws NotFound when missing. */
  unlink(path: string): Promise<void>;
  /**
   * `rm -rf`: removes the entry and everything under it. Nothing there is not an error; a parent
   * component that is not a directory is (ENOTDIR).
   */
  rmTree(path: string): Promise<void>;
}

const KINDS: ReadonlyArray<[number, EntryKind]> = [
  [0o100000, 'file'],
  [0o040000, 'dir'],
  [0o120000, 'symlink'],
  [0o010000, 'fifo'],
  [0o140000, 'socket'],
  [0o020000, 'char'],
  [0o060000, 'block'],
];

/** The kind of an entry from its `st_mode` type bits. */
export function kindOfMode(mode: number): EntryKind {
  const fmt = mode & 0o170000;
  for (const [bits, kind] of KINDS) if (bits === fmt) return kind;
  return 'file';
}

/** The `st_mode` type bits of a kind. */
export function modeBitsOfKind(kind: EntryKind): number {
  for (const [bits, k] of KINDS) if (k === kind) return bits;
  return 0o100000;
}

/**
 * Checks a relative path: `/`-separated, no leading or trailing slash, no empty, `.` or `..`
 * components, no NUL. Returns its components (none for the root, `''`).
 */
export function splitRelPath(path: string): string[] {
  if (path === '') return [];
  if (path.includes('\0')) throw new InvalidArgumentError(`path contains a NUL byte: ${JSON.stringify(path)}`);
  const parts = path.split('/');
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..') {
      throw new InvalidArgumentError(`invalid relative path ${JSON.stringify(path)}: empty, "." or ".." component`);
    }
  }
  return parts;
}

export function joinRel(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

export function dirnameRel(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
