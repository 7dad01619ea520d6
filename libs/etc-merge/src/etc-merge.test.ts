import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AbortedError, isTsostreeError } from '@tsostree/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratchDir } from '../test/ostree-oracle.js';
import { manifest, writeEntries, type Entry } from '../test/tree-spec.js';
import { mergeEtc, type EtcMergeProgress, type MergeEtcOptions } from './etc-merge.js';

describe('mergeEtc options beyond ostree', () => {
  let scratch: ReturnType<typeof scratchDir>;
  let orig: string, modified: string, next: string;

  beforeEach(() => {
    scratch = scratchDir('opts');
    [orig, modified, next] = ['orig', 'modified', 'next'].map((n) => join(scratch.path, n)) as [string, string, string];
    for (const d of [orig, modified, next]) mkdirSync(d);
  });
  afterEach(() => scratch.cleanup());

  const trees = (o: Entry[], m: Entry[], n: Entry[]): void => {
    writeEntries(orig, o);
    writeEntries(modified, m);
    writeEntries(next, n);
  };
  const run = (extra: Partial<MergeEtcOptions> = {}) => mergeEtc({ orig, modified, next, ...extra });

  it('textMerge applies a clean three-way merge with the local file attributes', async () => {
    trees(
      [{ p: 'app.conf', c: 'a=1\nb=2\nc=3\nd=4\n' }],
      [{ p: 'app.conf', c: 'a=LOCAL\nb=2\nc=3\nd=4\n', m: 0o600, u: 5, x: { 'user.l': 'local' } }],
      [{ p: 'app.conf', c: 'a=1\nb=2\nc=3\nd=NEW\n' }],
    );
    const report = await run({ textMerge: true });
    expect(report.modified).toEqual([{ path: 'app.conf', kind: 'file', action: 'merged' }]);
    expect(readFileSync(join(next, 'app.conf'), 'utf8')).toBe('a=LOCAL\nb=2\nc=3\nd=NEW\n');
    expect(manifest(next).get('app.conf')).toMatch(/mode:600 owner:5:0 xattrs:user.l=6c6f63616c$/);
  });

  it('textMerge keeps the local file on a conflict and writes the new default as .rpmnew', async () => {
    trees(
      [{ p: 'app.conf', c: 'x=1\n' }],
      [{ p: 'app.conf', c: 'x=local\n' }],
      [{ p: 'app.conf', c: 'x=vendor\n', m: 0o640, x: { 'user.n': 'new' } }],
    );
    const report = await run({ textMerge: true });
    expect(report.modified).toEqual([{ path: 'app.conf', kind: 'file', action: 'conflict', rpmnew: 'app.conf.rpmnew' }]);
    expect(report.conflicts).toEqual(['app.conf.rpmnew']);
    expect(readFileSync(join(next, 'app.conf'), 'utf8')).toBe('x=local\n');
    expect(readFileSync(join(next, 'app.conf.rpmnew'), 'utf8')).toBe('x=vendor\n');
    expect(manifest(next).get('app.conf.rpmnew')).toMatch(/mode:640 .*user.n=6e6577$/);
  });

  it('textMerge treats binary files as conflicts and leaves untouched defaults alone', async () => {
    trees(
      [{ p: 'bin', c: Buffer.from([0, 1, 2]) }, { p: 'same', c: 's\n' }],
      [{ p: 'bin', c: Buffer.from([0, 1, 3]) }, { p: 'same', c: 'local\n' }],
      [{ p: 'bin', c: Buffer.from([0, 9, 2]) }, { p: 'same', c: 's\n' }],
    );
    const report = await run({ textMerge: true });
    expect(report.modified.map((m) => [m.path, m.action])).toEqual([
      ['bin', 'conflict'],
      ['same', 'copied'],
    ]);
    expect(readFileSync(join(next, 'same'), 'utf8')).toBe('local\n');
  });

  it('default (ostree) drops directory mode changes; carryDirectoryAttributes keeps them', async () => {
    const o: Entry[] = [{ p: 'd', t: 'd', m: 0o755 }, { p: 'd/f', c: 'f' }];
    trees(o, [{ p: 'd', t: 'd', m: 0o700, u: 3, g: 4 }, { p: 'd/f', c: 'f' }], o);
    expect((await run()).modified).toEqual([{ path: 'd', kind: 'dir', action: 'kept-directory' }]);
    expect(statSync(join(next, 'd')).mode & 0o7777).toBe(0o755);
    const report = await run({ carryDirectoryAttributes: true });
    expect(report.modified).toEqual([{ path: 'd', kind: 'dir', action: 'directory-attributes' }]);
    const st = statSync(join(next, 'd'));
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o700, 3, 4]);
  });

  it('dryRun reports exactly what a real run does and writes nothing', async () => {
    trees(
      [{ p: 'a', c: 'a' }, { p: 'gone', c: 'g' }, { p: 'd/x', c: 'x' }, { p: 'f', c: 'f' }],
      [{ p: 'a', c: 'edited' }, { p: 'd/x', c: 'x' }, { p: 'd/y/z', c: 'new' }, { p: 'f/now-a-dir', c: 'd' }, { p: 'l', l: 'a' }],
      [{ p: 'a', c: 'a2' }, { p: 'gone', c: 'g' }, { p: 'd/x', c: 'x' }, { p: 'f', c: 'f' }, { p: 'only-new', c: 'n' }],
    );
    const before = manifest(next);
    const dry = await run({ dryRun: true, textMerge: true });
    expect(manifest(next)).toEqual(before);
    expect(dry.dryRun).toBe(true);
    const real = await run({ textMerge: true });
    expect({ ...dry, dryRun: false }).toEqual(real);
    expect(real.added.map((a) => a.path)).toContain('d/y/z');
  });

  it('dryRun fails where the real merge fails', async () => {
    trees([{ p: 'd', c: 'file' }], [{ p: 'd', c: 'edited' }], [{ p: 'd/inner', c: 'x' }]);
    await expect(run({ dryRun: true })).rejects.toThrow(/newly defaults to directory 'd'/);
  });

  it('honours an abort signal and reports progress', async () => {
    trees([{ p: 'a', c: 'a' }], [{ p: 'a', c: 'b' }, { p: 'n', c: 'n' }], [{ p: 'a', c: 'a' }]);
    const events: EtcMergeProgress[] = [];
    await run({ onProgress: (e) => events.push(e) });
    expect(events).toEqual([{ phase: 'diff' }, { phase: 'apply', done: 2, total: 2 }]);
    const ac = new AbortController();
    ac.abort();
    const err = await run({ signal: ac.signal }).catch((e: unknown) => e);
    expect(isTsostreeError(err, AbortedError.code)).toBe(true);
  });

  it('rejects roots that are not absolute paths or ports', async () => {
    await expect(mergeEtc({ orig: 'relative', modified, next })).rejects.toThrow(/absolute/);
  });
});
