import { describe, expect, it } from 'vitest';
import { parseOsRelease, shellUnquote } from './os-release.js';

describe('parseOsRelease / shellUnquote (g_shell_unquote)', () => {
  it('unquotes like GLib', () => {
    expect(shellUnquote('"Fedora Linux 38 (Thirty)"')).toBe('Fedora Linux 38 (Thirty)');
    expect(shellUnquote("'a \"b\" c'")).toBe('a "b" c');
    expect(shellUnquote('"a \\"q\\" \\n"')).toBe('a "q" \\n');
    expect(shellUnquote('plain\\ word')).toBe('plain word');
    expect(shellUnquote('"open')).toBeNull();
    expect(shellUnquote("'open")).toBeNull();
    expect(shellUnquote('trailing\\')).toBeNull();
  });

  it('skips comments, lines without =, bad quoting; later keys win', () => {
    const m = parseOsRelease('# c\nNAME="A"\nnonsense\nID=a\nBAD="x\nID=b\n');
    expect([...m]).toEqual([
      ['NAME', 'A'],
      ['ID', 'b'],
    ]);
  });
});
