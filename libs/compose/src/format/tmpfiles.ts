// tmpfiles.d lines the way rpm-ostree writes them for package /var content (rust/src/importer.rs):
//   d /var/lib/foo 0755 root root - -
//   L /var/lib/rpm - - - - ../../usr/share/rpm
// `/var/run/…` is written as `/run/…` (systemd-tmpfiles warns about /var/run), and a path with characters a
// shell would treat specially is single-quoted.

export type TmpfilesEntry =
  | { type: 'd' | 'f'; path: string; mode: number; user: string; group: string }
  | { type: 'L'; path: string; target: string };

const SAFE = /^[A-Za-z0-9_./@:+=,%^-]+$/;

/** Quotes a string for a shell when needed (single quotes, `'` written as `'\''`). */
export function shellQuoteIfNeeded(s: string): string {
  if (s !== '' && SAFE.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function fixPath(path: string): string {
  return shellQuoteIfNeeded(path.startsWith('/var/run/') ? path.slice('/var'.length) : path);
}

export function tmpfilesLine(e: TmpfilesEntry): string {
  if (e.type === 'L') return `L ${fixPath(e.path)} - - - - ${e.target}`;
  return `${e.type} ${fixPath(e.path)} ${(e.mode & 0o7777).toString(8).padStart(4, '0')} ${e.user} ${e.group} - -`;
}

/** Sorted, de-duplicated file content (rpm-ostree collects the lines in a BTreeSet). */
export function tmpfilesConf(entries: readonly TmpfilesEntry[]): string {
  const lines = [...new Set(entries.map(tmpfilesLine))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return lines.map((l) => `${l}\n`).join('');
}
