import { ParseError } from '@tsostree/errors';

/**
 * Structural validation shared by the object formats, as ostree does it
 * (ot-unix-utils.c `ot_util_filename_validate`, ostree-core.c `validate_stat_mode_perms`,
 * `ostree_validate_structureof_file_mode`, `ostree_validate_structureof_dirmeta`).
 */

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

/** Why a name is not a valid directory entry name, or undefined when it is. */
export function filenameProblem(name: string): string | undefined {
  if (name.length === 0) return 'empty filename';
  if (name === '.') return "self-referential filename '.'";
  if (name === '..') return "parent-referential filename '..'";
  if (name.includes('/')) return 'filename contains /';
  if (name.includes('\0')) return 'filename contains NUL';
  return undefined;
}

/** True for a valid entry name: not empty, `.` or `..`, and without `/` or NUL. */
export function isValidFilename(name: string): boolean {
  return filenameProblem(name) === undefined;
}

/** Throws `ParseError` for an invalid entry name. */
export function assertFilename(name: string, offset?: number): void {
  const problem = filenameProblem(name);
  if (problem) throw new ParseError(`invalid ${problem}: ${JSON.stringify(name.slice(0, 80))}`, { offset, data: { name: name.slice(0, 80) } });
}

function assertPermBits(mode: number, what: string): void {
  if ((mode & ~(S_IFMT | 0o7777)) !== 0) {
    throw new ParseError(`invalid ${what} mode 0${mode.toString(8)}: unknown bits set`, { data: { mode } });
  }
}

/** A content object's mode must be a regular file or a symlink, with only permission bits besides the type. */
export function assertFileMode(mode: number): void {
  assertPermBits(mode, 'file');
  const fmt = mode & S_IFMT;
  if (fmt !== S_IFREG && fmt !== S_IFLNK) throw new ParseError(`invalid file mode 0${mode.toString(8)}: not a regular file or symlink`, { data: { mode } });
}

/** A dirmeta's mode must be a directory, with only permission bits besides the type. */
export function assertDirMode(mode: number): void {
  assertPermBits(mode, 'directory');
  if ((mode & S_IFMT) !== S_IFDIR) throw new ParseError(`invalid directory mode 0${mode.toString(8)}: not a directory`, { data: { mode } });
}

/** Swaps the byte order of a u32 (ostree stores uid, gid, mode, rdev big-endian inside GVariant). */
export function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/** Swaps the byte order of a u64. */
export function bswap64(v: bigint): bigint {
  let out = 0n;
  for (let i = 0; i < 8; i++) {
    out = (out << 8n) | (v & 0xffn);
    v >>= 8n;
  }
  return out;
}
