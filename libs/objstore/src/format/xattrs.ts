import { InvalidArgumentError, ParseError } from '@tsostree/errors';
import { parseGVariant } from './gvariant/parse.js';
import { serializeGVariant } from './gvariant/serialize.js';
import { assertMetadataSize } from './checksum.js';

/**
 * Extended attributes as ostree stores them: GVariant `a(ayay)`, each name being the C string
 * **including its trailing NUL**, each value the raw bytes, sorted by name with `strcmp`
 * (ostree-core.c `_ostree_canonicalize_xattrs`, libglnx `glnx-xattrs.c`). No xattrs is the empty array.
 */

/** One extended attribute: name (without the trailing NUL) and raw value. Same shape as the repository layer's `Xattr`. */
export interface XattrEntry {
  name: string;
  value: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Compares two names the way C `strcmp` compares their UTF-8 bytes. */
export function compareNames(a: string, b: string): number {
  // Fast path: pure ASCII compares the same by UTF-16 code unit.
  let ascii = true;
  for (let i = 0; i < a.length && ascii; i++) if (a.charCodeAt(i) >= 0x80) ascii = false;
  for (let i = 0; i < b.length && ascii; i++) if (b.charCodeAt(i) >= 0x80) ascii = false;
  if (ascii) return a < b ? -1 : a > b ? 1 : 0;
  return compareBytes(encoder.encode(a), encoder.encode(b));
}

const isAscii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
};

/**
 * Sorts entries by name in `strcmp` order (stable). Returns a new array. ASCII names compare by
 * code unit, which is the same order; other names are compared by their UTF-8 bytes.
 */
export function sortByName<T extends { name: string }>(entries: readonly T[]): T[] {
  const out = [...entries];
  if (out.every((e) => isAscii(e.name))) return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const keyed = out.map((e) => ({ e, k: encoder.encode(e.name) }));
  keyed.sort((a, b) => compareBytes(a.k, b.k));
  return keyed.map((x) => x.e);
}

/** Sorts xattrs by name (strcmp), the canonical order ostree checksums. Returns a new array. */
export function canonicalizeXattrs(xattrs: readonly XattrEntry[]): XattrEntry[] {
  return sortByName(xattrs);
}

/** The GVariant `a(ayay)` value of xattrs (canonical order, names NUL-terminated). */
export function xattrsToGVariant(xattrs: readonly XattrEntry[]): [Uint8Array, Uint8Array][] {
  return canonicalizeXattrs(xattrs).map(({ name, value }) => {
    if (name.length === 0 || name.includes('\0')) {
      throw new InvalidArgumentError(`invalid xattr name ${JSON.stringify(name.slice(0, 80))}`, { data: { name: name.slice(0, 80) } });
    }
    const n = encoder.encode(name);
    const withNul = new Uint8Array(n.length + 1);
    withNul.set(n);
    return [withNul, value];
  });
}

/** Xattrs from a parsed `a(ayay)`: each name must be a non-empty, NUL-terminated UTF-8 C string. */
export function xattrsFromGVariant(value: readonly (readonly [Uint8Array, Uint8Array])[]): XattrEntry[] {
  return value.map(([name, v]) => {
    const end = name.indexOf(0);
    if (end !== name.length - 1 || end === 0) throw new ParseError('xattr name is not a non-empty NUL-terminated string');
    let s: string;
    try {
      s = decoder.decode(name.subarray(0, end));
    } catch {
      throw new ParseError('xattr name is not valid UTF-8');
    }
    return { name: s, value: v };
  });
}

/**
 * `bare-split-xattrs` objects: `.file-xattrs` (and its hardlink `.file-xattrs-link`), ostree type
 * `a(ayay)`, the xattrs of a content object stored apart from it.
 */
export function serializeFileXattrs(xattrs: readonly XattrEntry[]): Uint8Array {
  return serializeGVariant('a(ayay)', xattrsToGVariant(xattrs));
}

/** Parses a `.file-xattrs` object. */
export function parseFileXattrs(bytes: Uint8Array): XattrEntry[] {
  assertMetadataSize('file-xattrs', bytes.length);
  return xattrsFromGVariant(parseGVariant('a(ayay)', bytes) as [Uint8Array, Uint8Array][]);
}
