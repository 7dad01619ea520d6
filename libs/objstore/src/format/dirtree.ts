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

function checkOrder(names: readonly { name: string }[], what: string): void {
  for (let i = 1; i < names.length; i++) {
    const prev = names[i - 1]!.name;
    const cur = names[i]!.name;
    const c = compareNames(prev, cur);
    if (c === 0) throw new ParseError(`duplicate ${what} entry ${JSON.stringify(cur.slice(0, 80))} in dirtree`, { data: { name: cur.slice(0, 80) } });
    if (c > 0) throw new ParseError(`${what} entries of dirtree are not sorted at ${JSON.stringify(cur.slice(0, 80))}`, { data: { name: cur.slice(0, 80) } });
  }
}

/**
 * Parses and validates a `.dirtree`: normal form, size limit, names, 32-byte checksums, sorted
 * unique entries (and no name both a file and a directory). Reads the bytes directly without an
 * intermediate GVariant value: this is the hot path of checkout, fsck and diff.
 */
export function parseDirTree(bytes: Uint8Array): DirTree {
  assertMetadataSize('dirtree', bytes.length);
  const r = new GVariantReader(bytes);
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const csum = (s: number, e: number): string => {
    if (e - s !== 32) throw new ParseError(`invalid checksum of length ${e - s}, expected 32`, { offset: s });
    return hex.toString('hex', s, e);
  };
  const files: DirTreeFile[] = [];
  const dirs: DirTreeDir[] = [];
  r.tupleBounds(DIRTREE_TYPE, 0, bytes.length, (member, ms, me) => {
    if (member === 0) {
      r.arrayBounds(FILE_ENTRY, ms, me, (_i, es, ee) => {
        let name = '';
        let checksum = '';
        r.tupleBounds(FILE_ENTRY, es, ee, (k, s, e) => {
          if (k === 0) name = r.string(s, e);
          else checksum = csum(s, e);
        });
        assertFilename(name, es);
        files.push({ name, checksum });
      });
    } else {
      r.arrayBounds(DIR_ENTRY, ms, me, (_i, es, ee) => {
        let name = '';
        let treeChecksum = '';
        let metaChecksum = '';
        r.tupleBounds(DIR_ENTRY, es, ee, (k, s, e) => {
          if (k === 0) name = r.string(s, e);
          else if (k === 1) treeChecksum = csum(s, e);
          else metaChecksum = csum(s, e);
        });
        assertFilename(name, es);
        dirs.push({ name, treeChecksum, metaChecksum });
      });
    }
  });
  checkOrder(files, 'file');
  checkOrder(dirs, 'directory');
  checkDisjoint(files, dirs, (n) => {
    throw new ParseError(`dirtree has ${JSON.stringify(n.slice(0, 80))} both as a file and a directory`, { data: { name: n.slice(0, 80) } });
  });
  return { files, dirs };
}
