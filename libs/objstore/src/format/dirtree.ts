import { InvalidArgumentError, ParseError } from '@tsostree/errors';
import { GVariantReader } from './gvariant/parse.js';
import { offsetSizeFor, Writer } from './gvariant/serialize.js';
import { parseType, type GVariantType } from './gvariant/type.js';
import { assertMetadataSize } from './checksum.js';
import { assertFilename, filenameProblem } from './validate.js';
import { compareNames, sortByName } from './xattrs.js';

/**
 * Directory tree (`.dirtree`).
 *
 * ostree type `(a(say)a(sayay))` (ostree-core.h `OSTREE_TREE_GVARIANT_STRING`):
 * - `a(say)` files: name, content checksum (32 bytes)
 * - `a(sayay)` directories: name, dirtree checksum (32 bytes), dirmeta checksum (32 bytes)
 *
 * Each list is sorted by name (`strcmp`). On parse we also refuse duplicates (in a list or between
 * the two lists) and invalid names, so a hostile tree cannot make a checkout write `..` or write a
 * path twice.
 */
export const DIRTREE_GVARIANT_TYPE = '(a(say)a(sayay))';

export interface DirTreeFile {
  name: string;
  /** Content object checksum, hex. */
  checksum: string;
}

export interface DirTreeDir {
  name: string;
  /** `.dirtree` checksum, hex. */
  treeChecksum: string;
  /** `.dirmeta` checksum, hex. */
  metaChecksum: string;
}

export interface DirTree {
  files: DirTreeFile[];
  dirs: DirTreeDir[];
}

function badName(problem: string, name: string): never {
  throw new InvalidArgumentError(`invalid ${problem}: ${JSON.stringify(name.slice(0, 80))}`, { data: { name: name.slice(0, 80) } });
}

function badChecksum(value: string): never {
  throw new InvalidArgumentError(`invalid checksum ${JSON.stringify(value.slice(0, 80))}`, { data: { checksum: value.slice(0, 80) } });
}

/** Refuses a name present in both sorted lists (merge walk). */
function checkDisjoint(files: readonly { name: string }[], dirs: readonly { name: string }[], fail: (name: string) => never): void {
  let i = 0;
  let j = 0;
  while (i < files.length && j < dirs.length) {
    const c = compareNames(files[i]!.name, dirs[j]!.name);
    if (c === 0) fail(files[i]!.name);
    if (c < 0) i++;
    else j++;
  }
}

/**
 * Serializes a `.dirtree`. Entries are sorted by name here; invalid or duplicate names are
 * refused with `InvalidArgumentError`. Written directly (no intermediate GVariant value): this is
 * the hot path of a commit.
 */
export function serializeDirTree(tree: DirTree): Uint8Array {
  const files = sortByName(tree.files);
  const dirs = sortByName(tree.dirs);
  for (const list of [files, dirs] as const) {
    for (let i = 0; i < list.length; i++) {
      const name = list[i]!.name;
      const problem = filenameProblem(name);
      if (problem) badName(problem, name);
      if (i > 0 && list[i - 1]!.name === name) throw new InvalidArgumentError(`duplicate tree entry ${JSON.stringify(name.slice(0, 80))}`, { data: { name: name.slice(0, 80) } });
    }
  }
  checkDisjoint(files, dirs, (name) => {
    throw new InvalidArgumentError(`duplicate tree entry ${JSON.stringify(name.slice(0, 80))}`, { data: { name: name.slice(0, 80) } });
  });
  const w = new Writer(64 + files.length * 72 + dirs.length * 112);
  // a(say): each element is (name, checksum) with one framing offset (the end of the name).
  const fileEnds: number[] = new Array<number>(files.length);
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const start = w.pos;
    if (!w.string(f.name)) badName('filename', f.name);
    const nameEnd = w.pos - start;
    if (!w.hex32(f.checksum)) badChecksum(f.checksum);
    w.offset(nameEnd, offsetSizeFor(w.pos - start, 1));
    fileEnds[i] = w.pos;
  }
  if (files.length > 0) {
    const osz = offsetSizeFor(w.pos, files.length);
    for (const end of fileEnds) w.offset(end, osz);
  }
  const filesEnd = w.pos;
  // a(sayay): (name, tree checksum, meta checksum) with two framing offsets, stored in reverse.
  const dirEnds: number[] = new Array<number>(dirs.length);
  for (let i = 0; i < dirs.length; i++) {
    const d = dirs[i]!;
    const start = w.pos;
    if (!w.string(d.name)) badName('filename', d.name);
    const nameEnd = w.pos - start;
    if (!w.hex32(d.treeChecksum)) badChecksum(d.treeChecksum);
    const treeEnd = w.pos - start;
    if (!w.hex32(d.metaChecksum)) badChecksum(d.metaChecksum);
    const osz = offsetSizeFor(w.pos - start, 2);
    w.offset(treeEnd, osz);
    w.offset(nameEnd, osz);
    dirEnds[i] = w.pos - filesEnd;
  }
  if (dirs.length > 0) {
    const osz = offsetSizeFor(w.pos - filesEnd, dirs.length);
    for (const end of dirEnds) w.offset(end, osz);
  }
  w.offset(filesEnd, offsetSizeFor(w.pos, 1));
  return w.result();
}

const DIRTREE_TYPE = parseType(DIRTREE_GVARIANT_TYPE) as Extract<GVariantType, { kind: 'tuple' }>;
const FILES_TYPE = DIRTREE_TYPE.members[0] as Extract<GVariantType, { kind: 'array' }>;
const DIRS_TYPE = DIRTREE_TYPE.members[1] as Extract<GVariantType, { kind: 'array' }>;
const FILE_ENTRY = FILES_TYPE.element as Extract<GVariantType, { kind: 'tuple' }>;
const DIR_ENTRY = DIRS_TYPE.element as Extract<GVariantType, { kind: 'tuple' }>;

/**
 * Byte positions of the entries of a validated `.dirtree` (see {@link scanDirTree}): no strings are
 * made, so a checkout of 100,000 files can plan without filling the heap.
 */
export interface DirTreeScan {
  /** {@link SCAN_FILE_FIELDS} numbers per file: name start, name end (exclusive, before the NUL), content checksum start (32 bytes). */
  files: number[];
  /** {@link SCAN_DIR_FIELDS} numbers per directory: name start, name end, dirtree checksum start, dirmeta checksum start. */
  dirs: number[];
}

export const SCAN_FILE_FIELDS = 3;
export const SCAN_DIR_FIELDS = 4;

/** strcmp of two byte ranges of `b` (the order of names in a dirtree: UTF-8 bytes). */
function compareRanges(b: Uint8Array, as: number, ae: number, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = b[as + i]! - b[bs + i]!;
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}

/** Validates the name occupying [s, e) (NUL included) like `GVariantReader.string` + `assertFilename`; returns its end before the NUL. */
function checkNameBytes(r: GVariantReader, s: number, e: number): number {
  const b = r.bytes;
  if (e <= s || b[e - 1] !== 0) r.string(s, e);
  const end = e - 1;
  let plain = end - s > 2 || (end - s === 1 && b[s] !== 0x2e) || (end - s === 2 && (b[s] !== 0x2e || b[s + 1] !== 0x2e));
  for (let i = s; i < end && plain; i++) {
    const c = b[i]!;
    if (c === 0 || c === 0x2f || c >= 0x80) plain = false;
  }
  // The rare cases (non-ASCII, or a problem) take the string path: UTF-8 check and the exact error.
  if (!plain) assertFilename(r.string(s, e), s);
  return end;
}

function checkScanOrder(r: GVariantReader, list: number[], fields: number, what: string): void {
  const b = r.bytes;
  for (let i = fields; i < list.length; i += fields) {
    const c = compareRanges(b, list[i - fields]!, list[i - fields + 1]!, list[i]!, list[i + 1]!);
    if (c < 0) continue;
    const cur = r.string(list[i]!, list[i + 1]! + 1);
    if (c === 0) throw new ParseError(`duplicate ${what} entry ${JSON.stringify(cur.slice(0, 80))} in dirtree`, { data: { name: cur.slice(0, 80) } });
    throw new ParseError(`${what} entries of dirtree are not sorted at ${JSON.stringify(cur.slice(0, 80))}`, { data: { name: cur.slice(0, 80) } });
  }
}

/**
 * Validates a `.dirtree` exactly as {@link parseDirTree} does (normal form, size limit, names,
 * 32-byte checksums, sorted unique entries, no name both a file and a directory) and returns the
 * byte positions of its entries instead of strings: the hot path of a hardlink checkout.
 */
export function scanDirTree(bytes: Uint8Array): DirTreeScan {
  assertMetadataSize('dirtree', bytes.length);
  const r = new GVariantReader(bytes);
  const csum = (s: number, e: number): number => {
    if (e - s !== 32) throw new ParseError(`invalid checksum of length ${e - s}, expected 32`, { offset: s });
    return s;
  };
  const files: number[] = [];
  const dirs: number[] = [];
  let nameStart = 0;
  let nameEnd = 0;
  let sum1 = 0;
  let sum2 = 0;
  const entry = (k: number, s: number, e: number): void => {
    if (k === 0) {
      nameStart = s;
      nameEnd = e;
    } else if (k === 1) sum1 = csum(s, e);
    else sum2 = csum(s, e);
  };
  r.tupleBounds(DIRTREE_TYPE, 0, bytes.length, (member, ms, me) => {
    if (member === 0) {
      r.arrayBounds(FILE_ENTRY, ms, me, (_i, es, ee) => {
        r.tupleBounds(FILE_ENTRY, es, ee, entry);
        files.push(nameStart, checkNameBytes(r, nameStart, nameEnd), sum1);
      });
    } else {
      r.arrayBounds(DIR_ENTRY, ms, me, (_i, es, ee) => {
        r.tupleBounds(DIR_ENTRY, es, ee, entry);
        dirs.push(nameStart, checkNameBytes(r, nameStart, nameEnd), sum1, sum2);
      });
    }
  });
  checkScanOrder(r, files, SCAN_FILE_FIELDS, 'file');
  checkScanOrder(r, dirs, SCAN_DIR_FIELDS, 'directory');
  // Merge walk: a name present in both sorted lists.
  let i = 0;
  let j = 0;
  while (i < files.length && j < dirs.length) {
    const c = compareRanges(bytes, files[i]!, files[i + 1]!, dirs[j]!, dirs[j + 1]!);
    if (c === 0) {
      const n = r.string(files[i]!, files[i + 1]! + 1);
      throw new ParseError(`dirtree has ${JSON.stringify(n.slice(0, 80))} both as a file and a directory`, { data: { name: n.slice(0, 80) } });
    }
    if (c < 0) i += SCAN_FILE_FIELDS;
    else j += SCAN_DIR_FIELDS;
  }
  return { files, dirs };
}

/**
 * Parses and validates a `.dirtree`: normal form, size limit, names, 32-byte checksums, sorted
 * unique entries (and no name both a file and a directory). Reads the bytes directly without an
 * intermediate GVariant value: this is the hot path of checkout, fsck and diff.
 */
export function parseDirTree(bytes: Uint8Array): DirTree {
  const scan = scanDirTree(bytes);
  const r = new GVariantReader(bytes);
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const files: DirTreeFile[] = [];
  const dirs: DirTreeDir[] = [];
  const f = scan.files;
  for (let i = 0; i < f.length; i += SCAN_FILE_FIELDS) {
    files.push({ name: r.string(f[i]!, f[i + 1]! + 1), checksum: hex.toString('hex', f[i + 2]!, f[i + 2]! + 32) });
  }
  const d = scan.dirs;
  for (let i = 0; i < d.length; i += SCAN_DIR_FIELDS) {
    dirs.push({
      name: r.string(d[i]!, d[i + 1]! + 1),
      treeChecksum: hex.toString('hex', d[i + 2]!, d[i + 2]! + 32),
      metaChecksum: hex.toString('hex', d[i + 3]!, d[i + 3]! + 32),
    });
  }
  return { files, dirs };
}
