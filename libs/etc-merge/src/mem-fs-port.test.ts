import { describe, expect, it } from 'vitest';
import { formatConfigDiff } from './config-diff-format.js';
import { diffEtc } from './etc-diff.js';
import { mergeEtc } from './etc-merge.js';
import type { FsPort } from './fs-port.js';
import { MemFsPort } from './mem-fs-port.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

async function tree(files: Record<string, string | { link: string } | { dir: number }>): Promise<MemFsPort> {
  const t = new MemFsPort();
  for (const [path, v] of Object.entries(files)) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if ((await t.mkdir(d)) === 'created') await t.setAttrs(d, { uid: 0, gid: 0, mode: 0o755 });
    }
    if (typeof v === 'string') await t.writeFile(path, enc(v), { uid: 0, gid: 0, mode: 0o644 });
    else if ('link' in v) await t.symlink(v.link, path, { uid: 0, gid: 0 });
    else {
      await t.mkdir(path);
      await t.setAttrs(path, { uid: 0, gid: 0, mode: v.dir });
    }
  }
  return t;
}

async function dump(t: FsPort, dir = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await t.readdir(dir)).sort()) {
    const p = dir === '' ? name : `${dir}/${name}`;
    const st = (await t.lstat(p))!;
    if (st.kind === 'dir') {
      out[p] = `dir ${(st.mode & 0o7777).toString(8)}`;
      Object.assign(out, await dump(t, p));
    } else if (st.kind === 'symlink') out[p] = `-> ${await t.readlink(p)}`;
    else out[p] = `${dec(await t.readFile(p))} ${(st.mode & 0o7777).toString(8)} ${st.uid}`;
  }
  return out;
}

describe('the merge on in-memory trees (any FsPort works)', () => {
  it('applies local changes onto the new defaults', async () => {
    const orig = await tree({ 'a.conf': 'a', 'gone': 'g', 'd/x': 'x', 'link': { link: 'a.conf' } });
    const modified = await tree({ 'a.conf': 'a local', 'd/x': 'x', 'd/new': 'n', 'link': { link: 'other' } });
    await modified.setAttrs('d/x', { uid: 7, gid: 7, mode: 0o600 });
    const next = await tree({ 'a.conf': 'a v2', 'gone': 'g', 'd/x': 'x v2', 'link': { link: 'a.conf' }, 'vendor': 'v' });
    expect(formatConfigDiff(await diffEtc({ orig, modified }))).toBe(
      'M    a.conf\nM    d/x\nM    link\nD    gone\nA    d/new\n',
    );
    const report = await mergeEtc({ orig, modified, next });
    expect(report.removed).toEqual([{ path: 'gone', kind: 'file', action: 'removed' }]);
    expect(await dump(next)).toEqual({
      'a.conf': 'a local 644 0',
      d: 'dir 755',
      'd/new': 'n 644 0',
      'd/x': 'x 600 7',
      link: '-> other',
      vendor: 'v 644 0',
    });
  });

  it('a text merge through the overlay port', async () => {
    const orig = await tree({ 'f': 'one\ntwo\nthree\nfour\n' });
    const modified = await tree({ 'f': 'ONE\ntwo\nthree\nfour\n' });
    const next = await tree({ 'f': 'one\ntwo\nthree\nFOUR\n' });
    const report = await mergeEtc({ orig, modified, next, textMerge: { maxBytes: 1024 } });
    expect(report.modified[0]?.action).toBe('merged');
    expect(dec(await next.readFile('f'))).toBe('ONE\ntwo\nthree\nFOUR\n');
  });

  it('files larger than textMerge.maxBytes fall back to the local copy', async () => {
    const orig = await tree({ 'f': 'a\nb\n' });
    const modified = await tree({ 'f': 'A\nb\n' });
    const next = await tree({ 'f': 'a\nB\n' });
    const report = await mergeEtc({ orig, modified, next, textMerge: { maxBytes: 2 } });
    expect(report.modified[0]?.action).toBe('copied');
    expect(dec(await next.readFile('f'))).toBe('A\nb\n');
  });
});
