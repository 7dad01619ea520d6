// Hostile trees: symlinks pointing out of the three roots, in every position the merge touches.
// Every filesystem call is recorded and must stay lexically inside one of the three roots, and the
// outside directory must come out byte-for-byte unchanged.
import { execFileSync } from 'node:child_process';
import fs, { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, isTsostreeError } from '@tsostree/errors';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scratchDir } from '../test/ostree-oracle.js';
import { manifest, writeEntries } from '../test/tree-spec.js';
import { mergeEtc } from './etc-merge.js';

const SPIED = [
  'lstatSync',
  'openSync',
  'opendirSync',
  'readlinkSync',
  'mkdirSync',
  'symlinkSync',
  'lchownSync',
  'lutimesSync',
  'unlinkSync',
  'rmSync',
] as const;

describe('mergeEtc on hostile trees', () => {
  let scratch: ReturnType<typeof scratchDir>;
  let orig: string, modified: string, next: string, outside: string;
  let touched: string[];
  let recording = false;
  /** Runs the merge with every filesystem call recorded (test setup and checks are not). */
  async function recorded<T>(fn: () => Promise<T>): Promise<T> {
    recording = true;
    try {
      return await fn();
    } finally {
      recording = false;
    }
  }

  beforeEach(() => {
    scratch = scratchDir('hostile');
    [orig, modified, next, outside] = ['orig', 'modified', 'next', 'outside'].map((n) => join(scratch.path, n)) as [
      string,
      string,
      string,
      string,
    ];
    for (const d of [orig, modified, next]) mkdirSync(d);
    writeEntries(outside, [
      { p: 'passwd', c: 'root:x:0:0\n', x: { 'user.o': '1' } },
      { p: 'dir/inner', c: 'inner\n' },
    ]);
    touched = [];
    for (const name of SPIED) {
      const real = fs[name] as (...args: unknown[]) => unknown;
      vi.spyOn(fs, name).mockImplementation(((...args: unknown[]) => {
        // fs.symlinkSync(target, path): the target is data written into the link, the path is what we touch
        if (recording) touched.push(String(name === 'symlinkSync' ? args[1] : args[0]));
        return real.apply(fs, args);
      }) as never);
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
    scratch.cleanup();
  });

  function expectConfined(before: Map<string, string>): void {
    const roots = [orig, modified, next];
    expect(touched.length).toBeGreaterThan(5); // the spies did see the merge's calls
    for (const p of touched) {
      expect(p.startsWith('/')).toBe(true);
      expect(p.split('/')).not.toContain('..');
      expect(roots.some((r) => p === r || p.startsWith(`${r}/`)), `touched ${p}`).toBe(true);
    }
    expect(manifest(outside)).toEqual(before);
  }

  it('copies symlinks that point outside as symlinks, and replaces new-default symlinks instead of writing through them', async () => {
    const before = manifest(outside);
    writeEntries(orig, [{ p: 'passwd', c: 'orig\n' }, { p: 'removed', c: 'r' }, { p: 'gone-dir/f', c: 'g' }]);
    writeEntries(modified, [
      { p: 'passwd', c: 'local edit\n' },
      { p: 'evil-abs', l: join(outside, 'passwd') },
      { p: 'evil-rel', l: '../outside/dir' },
      { p: 'added/evil', l: outside },
    ]);
    // The new defaults hold symlinks out of the tree at the very paths the merge writes or removes.
    symlinkSync(join(outside, 'passwd'), join(next, 'passwd'));
    symlinkSync(join(outside, 'dir'), join(next, 'removed'));
    symlinkSync(outside, join(next, 'gone-dir'));
    const report = await recorded(() => mergeEtc({ orig, modified, next }));
    expect(report.modified.map((m) => [m.path, m.action])).toEqual([['passwd', 'copied']]);
    expect(readFileSync(join(next, 'passwd'), 'utf8')).toBe('local edit\n');
    const got = manifest(next);
    expect(got.get('evil-abs')).toMatch(/^symlink -> /);
    expect(got.get('evil-rel')).toBe(`symlink -> ../outside/dir owner:0:0`);
    expect(got.has('removed')).toBe(false);
    expect(got.has('gone-dir')).toBe(false);
    expectConfined(before);
  });

  it('refuses to write through a symlinked parent directory in the new defaults (ostree would follow it)', async () => {
    const before = manifest(outside);
    writeEntries(orig, [{ p: 'conf.d/a', c: 'a' }]);
    writeEntries(modified, [{ p: 'conf.d/a', c: 'edited' }]);
    symlinkSync(join(outside, 'dir'), join(next, 'conf.d'));
    await expect(recorded(() => mergeEtc({ orig, modified, next }))).rejects.toBeInstanceOf(ConflictError);
    expectConfined(before);
  });

  it('never reads through symlinked directories in the old defaults or the live /etc', async () => {
    const before = manifest(outside);
    symlinkSync(join(outside, 'dir'), join(orig, 'sub'));
    mkdirSync(join(modified, 'sub'));
    writeFileSync(join(modified, 'sub', 'inner'), 'mine');
    symlinkSync(outside, join(modified, 'sub2'));
    const report = await recorded(() => mergeEtc({ orig, modified, next }));
    expect(report.modified.map((m) => [m.path, m.action])).toEqual([['sub', 'copied-directory']]);
    expect(report.added.map((m) => [m.path, m.action])).toEqual([['sub2', 'copied']]);
    expect(readFileSync(join(next, 'sub', 'inner'), 'utf8')).toBe('mine');
    expectConfined(before);
  });

  it('fails with a typed error, not a crash, on a tree deeper than PATH_MAX', async () => {
    const before = manifest(outside);
    // 60 levels of 100-character names: paths beyond Linux's 4096-byte PATH_MAX.
    execFileSync('python3', [
      '-c',
      'import os,sys\nos.chdir(sys.argv[1])\nfor i in range(60):\n  os.mkdir("d"*100); os.chdir("d"*100)\nopen("leaf","w").write("x")',
      modified,
    ]);
    const err = await recorded(() => mergeEtc({ orig, modified, next })).catch((e: unknown) => e);
    expect(isTsostreeError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/ENAMETOOLONG|name too long/i);
    expectConfined(before);
  });

  it('treats names with dots, spaces and newlines as plain names', async () => {
    const before = manifest(outside);
    writeEntries(orig, [{ p: '...', c: 'x' }]);
    writeEntries(modified, [{ p: '...', c: 'y' }, { p: 'a\nb', c: 'nl' }, { p: ' .. ', c: 'sp' }]);
    const report = await recorded(() => mergeEtc({ orig, modified, next }));
    expect(report.added.map((a) => a.path).sort()).toEqual([' .. ', 'a\nb']);
    expect(readFileSync(join(next, '...'), 'utf8')).toBe('y');
    expectConfined(before);
  });
});
