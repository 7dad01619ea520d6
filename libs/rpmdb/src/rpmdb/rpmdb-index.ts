/**
 * The secondary indexes of rpm's database, computed from an installed header exactly as rpm's `tag2index`
 * (lib/rpmdb.c) fills them: one row `(key, hnum, idx)` per element of the indexed tag, where `idx` is the element's
 * position (the trigger index for file triggers). Pure: no I/O.
 *
 * Rules reproduced here (checked against databases the real rpm wrote, see rpmdb-sqlite.test.ts):
 * - Requirename skips "transient" requirements (install-only prerequisites: `Requires(pre)`, `(post)`,
 *   `(pretrans)`, `(posttrans)`, `rpmlib(…)`, keyring) unless they are also needed at erase time.
 * - Triggername skips names already seen earlier in the same header.
 * - Group falls back to `Unknown` when the header has none.
 * - Rich dependencies (`(a or b)`) of requires, conflicts, recommends, suggests, supplements and enhances are
 *   indexed as written and also by every simple name inside, sorted and de-duplicated; names on the condition side
 *   of `if`/`unless` get a `!` prefix (and `else` repeats the condition negated); `rpmlib(…)` names are skipped.
 * - Integer keys (Installtid) are stored as 4 native-endian (little-endian here) bytes, binary keys (Sigmd5) as is.
 */
import { ParseError } from '@tsostree/errors';
import { TAG, TagType } from '../format/tags.js';
import type { Header } from '../format/header.js';

/** rpm's index tables, in rpm's order (newRpmdb's dbiTags). */
export const RPMDB_INDEXES = [
  ['Name', TAG.NAME],
  ['Basenames', TAG.BASENAMES],
  ['Group', TAG.GROUP],
  ['Requirename', TAG.REQUIRENAME],
  ['Providename', TAG.PROVIDENAME],
  ['Conflictname', TAG.CONFLICTNAME],
  ['Obsoletename', TAG.OBSOLETENAME],
  ['Triggername', TAG.TRIGGERNAME],
  ['Dirnames', TAG.DIRNAMES],
  ['Installtid', TAG.INSTALLTID],
  ['Sigmd5', TAG.SIGMD5],
  ['Sha1header', TAG.SHA1HEADER],
  ['Filetriggername', TAG.FILETRIGGERNAME],
  ['Transfiletriggername', TAG.TRANSFILETRIGGERNAME],
  ['Recommendname', TAG.RECOMMENDNAME],
  ['Suggestname', TAG.SUGGESTNAME],
  ['Supplementname', TAG.SUPPLEMENTNAME],
  ['Enhancename', TAG.ENHANCENAME],
] as const;

export type RpmdbIndexName = (typeof RPMDB_INDEXES)[number][0];

/** Index tables whose key column is declared BLOB (the others are TEXT). */
export const BLOB_KEY_INDEXES: ReadonlySet<RpmdbIndexName> = new Set(['Installtid', 'Sigmd5']);
/** Index tables rpm creates without a `<name>_key_idx` / `<name>_hnum_idx` index. */
export const UNINDEXED_KEY: ReadonlySet<RpmdbIndexName> = new Set(['Installtid', 'Sigmd5']);
export const KEY_ONLY_INDEXES: ReadonlySet<RpmdbIndexName> = new Set(['Name', 'Group', 'Sha1header']);

export interface IndexRow {
  key: string | Uint8Array;
  idx: number;
}

const SENSE = {
  POSTTRANS: 1 << 5,
  PREREQ: 1 << 6,
  PRETRANS: 1 << 7,
  SCRIPT_PRE: 1 << 9,
  SCRIPT_POST: 1 << 10,
  SCRIPT_PREUN: 1 << 11,
  SCRIPT_POSTUN: 1 << 12,
  RPMLIB: 1 << 24,
  KEYRING: 1 << 26,
  MISSINGOK: 1 << 19,
};
const INSTALL_ONLY = SENSE.SCRIPT_PRE | SENSE.SCRIPT_POST | SENSE.RPMLIB | SENSE.KEYRING | SENSE.PRETRANS | SENSE.POSTTRANS;
const ERASE_ONLY = SENSE.SCRIPT_PREUN | SENSE.SCRIPT_POSTUN;

/** rpm's isTransientReq: needed only while installing, so not indexed. */
export function isTransientRequire(flags: number): boolean {
  return (flags & INSTALL_ONLY) !== 0 && (flags & ERASE_ONLY) === 0;
}

const RICH_TAGS = new Set<number>([
  TAG.REQUIRENAME,
  TAG.CONFLICTNAME,
  TAG.SUGGESTNAME,
  TAG.SUPPLEMENTNAME,
  TAG.RECOMMENDNAME,
  TAG.ENHANCENAME,
]);

function stringValues(header: Header, tag: number): string[] {
  const entry = header.entries.get(tag);
  if (!entry) return [];
  const v = entry.value;
  if (v.type === TagType.STRING) return [v.value];
  if (v.type === TagType.STRING_ARRAY || v.type === TagType.I18NSTRING) return v.values;
  return [];
}

function numberValues(header: Header, tag: number): number[] {
  const entry = header.entries.get(tag);
  if (!entry) return [];
  const v = entry.value;
  if (v.type === TagType.INT32 || v.type === TagType.INT16 || v.type === TagType.INT8 || v.type === TagType.CHAR) return v.values;
  return [];
}

/** The rows rpm puts in one index table for a header. */
export function indexRows(header: Header, index: RpmdbIndexName): IndexRow[] {
  const tag = RPMDB_INDEXES.find(([name]) => name === index)?.[1];
  if (tag === undefined) throw new ParseError(`unknown rpmdb index ${index}`);
  const entry = header.entries.get(tag);
  const rows: IndexRow[] = [];
  if (tag === TAG.INSTALLTID) {
    numberValues(header, tag).forEach((n, idx) => {
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, n >>> 0, true);
      rows.push({ key, idx });
    });
    return rows;
  }
  if (tag === TAG.SIGMD5) {
    if (entry?.value.type === TagType.BIN && entry.value.bytes.length > 0) rows.push({ key: entry.value.bytes, idx: 0 });
    return rows;
  }
  let values = stringValues(header, tag);
  if (tag === TAG.GROUP) values = values.length > 0 ? [values[0]] : ['Unknown'];
  const flags = tag === TAG.REQUIRENAME ? numberValues(header, TAG.REQUIREFLAGS) : [];
  const triggerIndex =
    tag === TAG.FILETRIGGERNAME
      ? numberValues(header, TAG.FILETRIGGERINDEX)
      : tag === TAG.TRANSFILETRIGGERNAME
        ? numberValues(header, TAG.TRANSFILETRIGGERINDEX)
        : undefined;
  const rich = RICH_TAGS.has(tag) && entry?.value.type === TagType.STRING_ARRAY;
  values.forEach((key, i) => {
    const idx = triggerIndex ? (triggerIndex[i] ?? 0) : i;
    if (tag === TAG.REQUIRENAME && flags[i] !== undefined && isTransientRequire(flags[i])) return;
    if (tag === TAG.TRIGGERNAME && values.indexOf(key) < i) return;
    rows.push({ key, idx });
    if (rich && key.startsWith('(')) {
      for (const name of richDependencyIndexNames(key)) rows.push({ key: name, idx });
    }
  });
  return rows;
}

/** Every index table's rows for a header. */
export function allIndexRows(header: Header): Map<RpmdbIndexName, IndexRow[]> {
  return new Map(RPMDB_INDEXES.map(([name]) => [name, indexRows(header, name)]));
}

type RichOp = 'and' | 'or' | 'if' | 'else' | 'with' | 'without' | 'unless' | 'single';
const RICH_OPS = new Set(['and', 'or', 'if', 'else', 'with', 'without', 'unless']);

/**
 * The simple names rpm indexes for a rich dependency, in rpm's order (sorted, de-duplicated, `!` for negated
 * condition names). A malformed rich dependency gives no names, as in rpm.
 */
export function richDependencyIndexNames(dependency: string): string[] {
  const names: string[] = [];
  const levelStart: number[] = [0];
  let neg = false;
  let p = 0;
  const s = dependency;
  const skipSpace = (): void => {
    while (p < s.length && (s[p] === ' ' || s[p] === '\t')) p++;
  };
  /** A simple name: up to whitespace or an unbalanced `)`; parentheses inside it (`libfoo.so.1()(64bit)`) nest. */
  const word = (): string => {
    const start = p;
    let depth = 0;
    while (p < s.length && s[p] !== ' ' && s[p] !== '\t') {
      if (s[p] === '(') depth++;
      else if (s[p] === ')') {
        if (depth === 0) break;
        depth--;
      }
      p++;
    }
    return s.slice(start, p);
  };
  const parseGroup = (depth: number): boolean => {
    if (depth > 64 || s[p] !== '(') return false;
    p++;
    levelStart[depth] = names.length; // ENTER
    let last: RichOp = 'single';
    for (;;) {
      skipSpace();
      if (s[p] === '(') {
        if (!parseGroup(depth + 1)) return false;
      } else {
        const name = word();
        if (name === '') return false;
        skipSpace();
        // An optional comparison and EVR after a simple name.
        if (s[p] === '<' || s[p] === '>' || s[p] === '=') {
          while (s[p] === '<' || s[p] === '>' || s[p] === '=') p++;
          skipSpace();
          if (word() === '') return false;
        }
        if (!name.startsWith('rpmlib(')) names.push(`${neg ? '!' : ' '}${name}`);
      }
      skipSpace();
      if (p >= s.length) return false;
      if (s[p] === ')') {
        p++;
        break;
      }
      const op = word();
      if (!RICH_OPS.has(op)) return false;
      last = op as RichOp;
      if (op === 'if' || op === 'unless') {
        levelStart[depth] = names.length;
        neg = !neg;
      } else if (op === 'else') {
        const end = names.length;
        for (let i = levelStart[depth]; i < end; i++) {
          const n = names[i];
          names.push(`${n[0] === '!' ? ' ' : '!'}${n.slice(1)}`);
        }
        neg = !neg;
      }
    }
    if (last === 'if' || last === 'unless') neg = !neg; // LEAVE with the group's last operator
    return true;
  };
  if (!parseGroup(0)) return [];
  // rpm sorts with strcmp on the prefixed names (' ' < '!'), drops duplicates, then strips the ' ' prefix.
  const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: string[] = [];
  sorted.forEach((n, i) => {
    if (i > 0 && sorted[i - 1] === n) return;
    out.push(n[0] === ' ' ? n.slice(1) : n);
  });
  return out;
}
