// Package lists of commits and their differences, in rpm-ostree's formats:
// - commit metadata `rpmostree.rpmdb.pkglist`: a(sssss) = name, epoch (decimal string, "0" when unset),
//   version, release, arch; sorted like libdnf's dnf_package_cmp (name strcmp, then EVR, then arch)
// - `db diff` block format ("ostree diff commit from: …", Upgraded/Downgraded/Removed/Added), diff format
//   (`!old` `=new` `-removed` `+added`), and json (json-glib's pretty printer, "key" : value)
// - `db list` (" name-[epoch:]version-release.arch" under "ostree commit: REV (CHECKSUM)")
import { ParseError } from '@tsostree/errors';
import { compareEvr } from '@tsostree/rpmdb';

export interface PackageEntry {
  name: string;
  /** 0 when the package has none (rpm-ostree does not distinguish unset from 0). */
  epoch: number;
  version: string;
  release: string;
  arch: string;
}

export const PKGLIST_KEY = 'rpmostree.rpmdb.pkglist';
export const PKGLIST_TYPE = 'a(sssss)';

/** C strcmp on the UTF-8 encodings = code point order. */
function strcmp(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
}

/** libdnf's dnf_package_cmp: name, then EVR (rpm version comparison), then arch. */
export function comparePackages(a: PackageEntry, b: PackageEntry): number {
  return (
    strcmp(a.name, b.name) ||
    compareEvr({ epoch: a.epoch, version: a.version, release: a.release }, { epoch: b.epoch, version: b.version, release: b.release }) ||
    strcmp(a.arch, b.arch)
  );
}

export function sortPackages(pkgs: readonly PackageEntry[]): PackageEntry[] {
  return [...pkgs].sort(comparePackages);
}

/** `[epoch:]version-release` (the epoch only when non-zero), as rpm-ostree prints EVRs. */
export function packageEvr(p: PackageEntry): string {
  return `${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}`;
}

/** `name-[epoch:]version-release.arch`. */
export function packageNevra(p: PackageEntry): string {
  return `${p.name}-${packageEvr(p)}.${p.arch}`;
}

/** The `rpmostree.rpmdb.pkglist` rows (sorted) for a package set. */
export function pkglistRows(pkgs: readonly PackageEntry[]): [string, string, string, string, string][] {
  return sortPackages(pkgs).map((p) => [p.name, String(p.epoch), p.version, p.release, p.arch]);
}

/** Parses `rpmostree.rpmdb.pkglist` rows (validated: 5 non-empty strings, decimal epoch). */
export function pkglistFromRows(rows: unknown): PackageEntry[] {
  if (!Array.isArray(rows)) throw new ParseError(`${PKGLIST_KEY} is not an array`);
  return rows.map((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== 5 || !row.every((x) => typeof x === 'string')) {
      throw new ParseError(`${PKGLIST_KEY}[${i}] is not a (sssss) tuple`, { offset: i });
    }
    const [name, epoch, version, release, arch] = row as string[];
    if (name === '' || version === '' || arch === '' || !/^\d{1,10}$/.test(epoch!)) {
      throw new ParseError(`${PKGLIST_KEY}[${i}] is not a valid package: ${JSON.stringify(row)}`, { offset: i });
    }
    return { name: name!, epoch: Number(epoch), version: version!, release: release!, arch: arch! };
  });
}

export interface PackageDiff {
  upgraded: [PackageEntry, PackageEntry][];
  downgraded: [PackageEntry, PackageEntry][];
  removed: PackageEntry[];
  added: PackageEntry[];
}

/**
 * The differences between two package lists, paired by name like rpm-ostree's diff: a name in both with a
 * different EVR or arch is modified (upgraded or downgraded by rpm's ordering), otherwise removed/added.
 */
export function diffPackageLists(from: readonly PackageEntry[], to: readonly PackageEntry[]): PackageDiff {
  const a = sortPackages(from);
  const b = sortPackages(to);
  const diff: PackageDiff = { upgraded: [], downgraded: [], removed: [], added: [] };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const pa = a[i];
    const pb = b[j];
    const byName = pa && pb ? strcmp(pa.name, pb.name) : pa ? -1 : 1;
    if (byName < 0) {
      diff.removed.push(pa!);
      i++;
    } else if (byName > 0) {
      diff.added.push(pb!);
      j++;
    } else {
      const c = comparePackages(pa!, pb!);
      if (c < 0) diff.upgraded.push([pa!, pb!]);
      else if (c > 0) diff.downgraded.push([pa!, pb!]);
      i++;
      j++;
    }
  }
  return diff;
}

function describe(desc: string, checksum: string): string {
  return desc === checksum ? desc : `${desc} (${checksum})`;
}

/** `rpm-ostree db diff` default ("block") output. */
export function formatDiffBlock(diff: PackageDiff, from: { desc: string; checksum: string }, to: { desc: string; checksum: string }): string {
  let out = `ostree diff commit from: ${describe(from.desc, from.checksum)}\n`;
  out += `ostree diff commit to:   ${describe(to.desc, to.checksum)}\n`;
  const modified = (title: string, pairs: [PackageEntry, PackageEntry][]) => {
    if (pairs.length === 0) return;
    out += `${title}:\n`;
    for (const [o, n] of pairs) out += `  ${o.name} ${packageEvr(o)} -> ${packageEvr(n)}\n`;
  };
  const singles = (title: string, pkgs: PackageEntry[]) => {
    if (pkgs.length === 0) return;
    out += `${title}:\n`;
    for (const p of pkgs) out += `  ${packageNevra(p)}\n`;
  };
  modified('Upgraded', diff.upgraded);
  modified('Downgraded', diff.downgraded);
  singles('Removed', diff.removed);
  singles('Added', diff.added);
  return out;
}

/** `rpm-ostree db diff --format=diff` output: `!old` + `=new`, `-removed`, `+added`, merged in package order. */
export function formatDiffLines(diff: PackageDiff, from: { desc: string; checksum: string }, to: { desc: string; checksum: string }): string {
  let out = `ostree diff commit from: ${describe(from.desc, from.checksum)}\n`;
  out += `ostree diff commit to:   ${describe(to.desc, to.checksum)}\n`;
  const modified = [...diff.upgraded, ...diff.downgraded].sort((x, y) => comparePackages(x[0], y[0]));
  const items: { key: PackageEntry; text: string }[] = [
    ...modified.map(([o, n]) => ({ key: o, text: `!${packageNevra(o)}\n=${packageNevra(n)}\n` })),
    ...diff.removed.map((p) => ({ key: p, text: `-${packageNevra(p)}\n` })),
    ...diff.added.map((p) => ({ key: p, text: `+${packageNevra(p)}\n` })),
  ];
  items.sort((x, y) => comparePackages(x.key, y.key));
  return out + items.map((x) => x.text).join('');
}

/** rpm-ostree's diff variant a(sua{sv}) as plain values: [name, type, {PreviousPackage?, NewPackage?}], types 0 added, 1 removed, 2 upgraded, 3 downgraded. */
export function diffVariantValue(diff: PackageDiff): [string, number, Record<string, [string, string, string]>][] {
  const pkg = (p: PackageEntry): [string, string, string] => [p.name, packageEvr(p), p.arch];
  const rows: [string, number, Record<string, [string, string, string]>][] = [
    ...diff.upgraded.map(([o, n]) => [o.name, 2, { PreviousPackage: pkg(o), NewPackage: pkg(n) }] as [string, number, Record<string, [string, string, string]>]),
    ...diff.downgraded.map(([o, n]) => [o.name, 3, { PreviousPackage: pkg(o), NewPackage: pkg(n) }] as [string, number, Record<string, [string, string, string]>]),
    ...diff.removed.map((p) => [p.name, 1, { PreviousPackage: pkg(p) }] as [string, number, Record<string, [string, string, string]>]),
    ...diff.added.map((p) => [p.name, 0, { NewPackage: pkg(p) }] as [string, number, Record<string, [string, string, string]>]),
  ];
  // g_ptr_array_sort by type, then name (strcmp); stable for equal keys like glib's merge sort
  return rows.map((r, i) => ({ r, i })).sort((x, y) => x.r[1] - y.r[1] || strcmp(x.r[0], y.r[0]) || x.i - y.i).map((x) => x.r);
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** json-glib's pretty generator (2-space indent, `"key" : value`, no trailing newline). */
export function jsonGlibPretty(value: Json, level = 0): string {
  const pad = (n: number) => '  '.repeat(n);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => `${pad(level + 1)}${jsonGlibPretty(v, level + 1)}`);
    return `[\n${items.join(',\n')}${items.length ? '\n' : ''}${pad(level)}]`;
  }
  if (value !== null && typeof value === 'object') {
    if (Object.keys(value).length === 0) return '{}';
    const items = Object.entries(value).map(([k, v]) => `${pad(level + 1)}${JSON.stringify(k)} : ${jsonGlibPretty(v, level + 1)}`);
    return `{\n${items.join(',\n')}${items.length ? '\n' : ''}${pad(level)}}`;
  }
  return JSON.stringify(value);
}

/** `rpm-ostree db diff --format=json`. */
export function formatDiffJson(diff: PackageDiff, fromChecksum: string, toChecksum: string): string {
  return jsonGlibPretty({
    'ostree-commit-from': fromChecksum,
    'ostree-commit-to': toChecksum,
    pkgdiff: diffVariantValue(diff) as unknown as Json,
    advisories: [],
  });
}

/** `rpm-ostree db list` output for one commit. */
export function formatPackageList(pkgs: readonly PackageEntry[], rev: string, checksum: string): string {
  return `ostree commit: ${describe(rev, checksum)}\n` + sortPackages(pkgs).map((p) => ` ${packageNevra(p)}\n`).join('');
}
