import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatCDate, inLocaleCharset } from './gpg-format.js';

/** GLib itself (python3-gi) formatting the same local time with `%c`, in the C locale. */
function glibC(d: Date): string {
  const script = `import sys
from gi.repository import GLib
a = [int(x) for x in sys.argv[1:]]
sys.stdout.write(GLib.DateTime.new_local(a[0], a[1], a[2], a[3], a[4], a[5]).format('%c'))`;
  const args = [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()].map(String);
  return execFileSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
}

describe('formatCDate: GLib %c in the C locale', () => {
  it.each([
    new Date(2026, 11, 6, 14, 30, 29), // single-digit day: GLib pads %e with a figure space
    new Date(2026, 0, 31, 0, 0, 0),
    new Date(1999, 1, 1, 23, 59, 59),
  ])('%s matches GLib byte for byte', (d) => {
    expect(formatCDate(d)).toBe(glibC(d));
  });
});

describe('inLocaleCharset: what g_print shows in the locale', () => {
  const text = 'Signature made Sun Dec \u20076 14:30:29 2026';
  it('keeps UTF-8 in a UTF-8 locale', () => {
    expect(inLocaleCharset(text, { LANG: 'C.UTF-8' })).toBe(text);
    expect(inLocaleCharset(text, { LC_ALL: 'en_US.utf8', LANG: 'C' })).toBe(text);
  });
  it('turns non-ASCII into ? in the C locale, as ostree prints "Dec ?6"', () => {
    expect(inLocaleCharset(text, {})).toBe('Signature made Sun Dec ?6 14:30:29 2026');
    expect(inLocaleCharset(text, { LC_ALL: 'C', LANG: 'C.UTF-8' })).toBe('Signature made Sun Dec ?6 14:30:29 2026');
  });
});
