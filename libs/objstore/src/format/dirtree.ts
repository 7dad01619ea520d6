import { InvalidArgumentError, ParseError } from '@tsostree/errors';
import { parseGVariant } from './gvariant/parse.js';
import { serializeGVariant } from './gvariant/serialize.js';
import { assertMetadataSize, checksumFromBytes, checksumToBytes } from './checksum.js';
import { assertFilename, filenameProblem } from './validate.js';
import { compareNames } from './xattrs.js';

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

function byName<T extends { name: string }>(a: T, b: T): number {
  return compareNames(a.name, b.name);
}

/**
 * Serializes a `.dirtree`. Entries are sorted by name here; invalid or duplicate names are
 * refused with `InvalidArgumentError`.
 */
export function serializeDirTree(tree: DirTree): Uint8Array {
  const files = [...tree.files].sort(byName);
  const dirs = [...tree.dirs].sort(byName);
  const seen = new Set<string>();
  for (const e of [...files, ...dirs]) {
    const problem = filenameProblem(e.name);
    if (problem) throw new InvalidArgumentError(`invalid ${problem}: ${JSON.stringify(e.name.slice(0, 80))}`, { data: { name: e.name.slice(0, 80) } });
    if (seen.has(e.name)) throw new InvalidArgumentError(`duplicate tree entry ${JSON.stringify(e.name.slice(0, 80))}`, { data: { name: e.name.slice(0, 80) } });
    seen.add(e.name);
  }
  return serializeGVariant(
    DIRTREE_GVARIANT_TYPE,
    [files.map((f) => [f.name, checksumToBytes(f.checksum)]), dirs.map((d) => [d.name, checksumToBytes(d.treeChecksum), checksumToBytes(d.metaChecksum)])],
    64 + files.length * 48 + dirs.length * 80,
  );
}

function checkOrder(names: string[], what: string): void {
  for (let i = 1; i < names.length; i++) {
    const c = compareNames(names[i - 1]!, names[i]!);
    if (c === 0) throw new ParseError(`duplicate ${what} entry ${JSON.stringify(names[i]!.slice(0, 80))} in dirtree`, { data: { name: names[i]!.slice(0, 80) } });
    if (c > 0) throw new ParseError(`${what} entries of dirtree are not sorted at ${JSON.stringify(names[i]!.slice(0, 80))}`, { data: { name: names[i]!.slice(0, 80) } });
  }
}

/** Parses and validates a `.dirtree`: normal form, size limit, names, 32-byte checksums, sorted unique entries. */
export function parseDirTree(bytes: Uint8Array): DirTree {
  assertMetadataSize('dirtree', bytes.length);
  const [rawFiles, rawDirs] = parseGVariant(DIRTREE_GVARIANT_TYPE, bytes) as [[string, Uint8Array][], [string, Uint8Array, Uint8Array][]];
  const files = rawFiles.map(([name, csum]) => {
    assertFilename(name);
    return { name, checksum: checksumFromBytes(csum) };
  });
  const dirs = rawDirs.map(([name, tree, meta]) => {
    assertFilename(name);
    return { name, treeChecksum: checksumFromBytes(tree), metaChecksum: checksumFromBytes(meta) };
  });
  const fileNames = files.map((f) => f.name);
  const dirNames = dirs.map((d) => d.name);
  checkOrder(fileNames, 'file');
  checkOrder(dirNames, 'directory');
  if (files.length > 0 && dirs.length > 0) {
    const set = new Set(fileNames);
    for (const n of dirNames) if (set.has(n)) throw new ParseError(`dirtree has ${JSON.stringify(n.slice(0, 80))} both as a file and a directory`, { data: { name: n.slice(0, 80) } });
  }
  return { files, dirs };
}
