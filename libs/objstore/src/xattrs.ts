import * as napi from '@napi-rs/xattr';
import { IoError, NotFoundError, UnsupportedError, type TsostreeError } from '@tsostree/errors';

/** One extended attribute: name (without trailing NUL) and raw value. */
export interface Xattr {
  name: string;
  value: Uint8Array;
}

/**
 * The small port through which the object store reads and writes extended attributes.
 * Every call acts on the path itself and never follows a final symlink (l*xattr semantics).
 */
export interface XattrPort {
  list(path: string): Xattr[];
  get(path: string, name: string): Uint8Array | undefined;
  set(path: string, name: string, value: Uint8Array): void;
  remove(path: string, name: string): void;
}

function osErrno(error: unknown): string | undefined {
  const msg = error instanceof Error ? error.message : String(error);
  const m = /\(os error (\d+)\)/.exec(msg);
  if (!m) return undefined;
  switch (Number(m[1])) {
    case 2:
      return 'ENOENT';
    case 1:
      return 'EPERM';
    case 13:
      return 'EACCES';
    case 61:
      return 'ENODATA';
    case 95:
      return 'ENOTSUP';
    case 28:
      return 'ENOSPC';
    case 7:
      return 'E2BIG';
    case 34:
      return 'ERANGE';
    default:
      return `errno ${m[1]}`;
  }
}

/** The typed error of a failed xattr call of the default port (`what` says which call, e.g. `setting xattr NAME on`). */
export function xattrError(error: unknown, what: string, path: string): TsostreeError {
  const errno = osErrno(error);
  const data = { errno, path };
  const message = `${what} ${path}: ${error instanceof Error ? error.message : String(error)}`;
  if (errno === 'ENOENT') return new NotFoundError(message, { cause: error, data });
  if (errno === 'ENOTSUP') return new UnsupportedError(message, { cause: error, data });
  return new IoError(message, { cause: error, data });
}

/**
 * The default port, backed by `@napi-rs/xattr` (lgetxattr/llistxattr/lsetxattr through Rust's
 * `xattr` crate, prebuilt per platform). Attributes are returned sorted by name.
 */
export const nodeXattrs: XattrPort = {
  list(path) {
    let names: string[];
    try {
      names = napi.listAttributesSync(path);
    } catch (error) {
      const errno = osErrno(error);
      if (errno === 'ENOTSUP') return [];
      throw xattrError(error, 'listing xattrs of', path);
    }
    const out: Xattr[] = [];
    for (const name of names) {
      let value: Buffer | null;
      try {
        value = napi.getAttributeSync(path, name);
      } catch (error) {
        throw xattrError(error, `reading xattr ${name} of`, path);
      }
      if (value !== null) out.push({ name, value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) });
    }
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  },
  get(path, name) {
    try {
      const v = napi.getAttributeSync(path, name);
      return v === null ? undefined : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    } catch (error) {
      if (osErrno(error) === 'ENODATA') return undefined;
      throw xattrError(error, `reading xattr ${name} of`, path);
    }
  },
  set(path, name, value) {
    try {
      napi.setAttributeSync(path, name, value);
    } catch (error) {
      throw xattrError(error, `setting xattr ${name} on`, path);
    }
  },
  remove(path, name) {
    try {
      napi.removeAttributeSync(path, name);
    } catch (error) {
      if (osErrno(error) === 'ENODATA') return;
      throw xattrError(error, `removing xattr ${name} from`, path);
    }
  },
};

/**
 * The raw lgetxattr of the default port, for hot loops: a Buffer, null when the attribute (or the
 * file) is missing, and untyped errors (the caller falls back to a path that reports them properly).
 */
export const nodeGetXattrRaw: (path: string, name: string) => Uint8Array | null = napi.getAttributeSync;

/** A port that reports no attributes and refuses to write any (for filesystems without xattrs, or tests). */
export const noXattrs: XattrPort = {
  list: () => [],
  get: () => undefined,
  set: (path, name) => {
    throw new UnsupportedError(`extended attributes are disabled (setting ${name} on ${path})`);
  },
  remove: () => undefined,
};
