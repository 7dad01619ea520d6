// Differential tests: the same three trees through real `ostree admin deploy` and through mergeEtc,
// resulting /etc compared entry by entry (type, content, mode, owner, symlink target, user xattrs).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ostreeDeployPair, requireOstree, scratchDir, type OstreeDeployResult } from '../test/ostree-oracle.js';
import { SCENARIOS } from '../test/scenarios.js';
import { Editor, manifest, manifestUnder, writeEntries, type Entry } from '../test/tree-spec.js';
import { formatConfigDiff } from './config-diff-format.js';
import { diffEtc } from './etc-diff.js';
import { mergeEtc, type EtcMergeReport } from './etc-merge.js';
import { copyTree } from './tree-copy.js';

async function ourMerge(deploy1: string, deploy2: string, out: string): Promise<EtcMergeReport> {
  mkdirSync(out, { recursive: true });
  await copyTree(join(deploy2, 'usr', 'etc'), out);
  return mergeEtc({ orig: join(deploy1, 'usr', 'etc'), modified: join(deploy1, 'etc'), next: out });
}

describe('mergeEtc against real ostree admin deploy', () => {
  const scratch = scratchDir('diff');
  let oracle: OstreeDeployResult;
  let theirs: Map<string, string>;
  let ours: Map<string, string>;
  let report: EtcMergeReport;

  beforeAll(async () => {
    requireOstree();
    const fill = (pick: (s: (typeof SCENARIOS)[number]) => Entry[]) => (usrEtc: string) => {
      for (const s of SCENARIOS) writeEntries(join(usrEtc, s.name), pick(s));
    };
    oracle = ostreeDeployPair(
      scratch.path,
      fill((s) => s.orig),
      (etc) => {
        for (const s of SCENARIOS) s.edit(new Editor(join(etc, s.name)));
      },
      fill((s) => s.next ?? s.orig),
    );
    if (!oracle.deploy2) throw new Error(`ostree admin deploy failed: ${oracle.deployError}`);
    report = await ourMerge(oracle.deploy1, oracle.deploy2, join(scratch.path, 'ours'));
    theirs = manifest(join(oracle.deploy2, 'etc'));
    ours = manifest(join(scratch.path, 'ours'));
  }, 120_000);

  afterAll(() => scratch.cleanup());

  it('covers at least 30 scenarios', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(SCENARIOS.map((s) => [s.name]))('%s: same result as ostree', (name) => {
    const expected = manifestUnder(theirs, name);
    expect(manifestUnder(ours, name)).toEqual(expected);
  });

  it('produces the whole /etc exactly (nothing extra, nothing missing)', () => {
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(theirs));
  });

  it('reproduces the ostree quirks the scenarios are about', () => {
    // A chmod/chown of a directory that still exists in the new defaults is dropped...
    expect(theirs.get('dir-chmod-lost/d')).toMatch(/^dir mode:755 owner:0:0/);
    // ...unless a child was modified: the parent is then re-created from the live directory.
    expect(theirs.get('dir-chmod-with-modified-child/d')).toMatch(/^dir mode:750 /);
    // A file replaced by a FIFO locally: the new default is unlinked and the FIFO is not copied.
    expect(theirs.has('file-replaced-by-fifo/f')).toBe(false);
    // xattr-only changes are not carried; the new default's xattrs stay.
    expect(theirs.get('xattr-only-change/labelled')).toContain(`user.label=${Buffer.from('new').toString('hex')}`);
    // Hardlinked local files come out as separate copies.
    expect(theirs.get('hardlinks-become-copies/h1')).toContain('nlink:1');
    expect(theirs.get('special-mode-bits/added-suid')).toContain('mode:6711');
  });

  it('prints the same config-diff as ostree admin config-diff', async () => {
    const entries = await diffEtc({ orig: join(oracle.deploy1, 'usr', 'etc'), modified: join(oracle.deploy1, 'etc') });
    expect(formatConfigDiff(entries)).toBe(oracle.configDiff);
    expect(oracle.configDiff).toMatch(/^M {4}content-modified\/a\.conf$/m);
  });

  it('reports every modified, removed and added path with the action taken', () => {
    const lines = oracle.configDiff.trim().split('\n');
    const fromReport = [
      ...report.modified.map((m) => `M    ${m.path}`),
      ...report.removed.map((m) => `D    ${m.path}`),
      ...report.added.map((m) => `A    ${m.path}`),
    ];
    expect(fromReport).toEqual(lines);
    const byPath = new Map([...report.modified, ...report.removed, ...report.added].map((e) => [e.path, e.action]));
    expect(byPath.get('content-modified/a.conf')).toBe('copied');
    expect(byPath.get('removed-locally/gone.conf')).toBe('removed');
    expect(byPath.get('file-became-dir/f')).toBe('copied-directory');
    expect(byPath.get('file-became-dir-new-has-dir/f')).toBe('kept-directory');
    expect(byPath.get('special-files-added/fifo')).toBe('skipped-special');
  });
});

describe('mergeEtc fails where ostree admin deploy fails', () => {
  const cases: { name: string; orig: Entry[]; edit: (e: Editor) => void; next: Entry[]; message?: RegExp }[] = [
    {
      name: 'modified file newly defaults to a directory',
      orig: [{ p: 'd', c: 'file' }],
      edit: (e) => e.write('d', 'edited'),
      next: [{ p: 'd/inner', c: 'x' }],
      message: /Modified config file newly defaults to directory 'case\/d', cannot merge/,
    },
    {
      name: 'directory replaced by a file locally, still a directory in the new defaults',
      orig: [{ p: 'd/a', c: 'a' }],
      edit: (e) => e.rm('d').write('d', 'file'),
      next: [{ p: 'd/a', c: 'a' }],
      message: /Modified config file newly defaults to directory 'case\/d', cannot merge/,
    },
    {
      name: 'special file inside a locally added directory (ostree 2022.x fails the copy)',
      orig: [{ p: 'x', c: 'x' }],
      edit: (e) => e.mkdir('withspecial').fifo('withspecial/p'),
      next: [{ p: 'x', c: 'x' }],
      message: /Copying p: Cannot copy non-regular\/non-symlink file: p/,
    },
    {
      name: 'file removed locally inside a directory that is a file in the new defaults',
      orig: [{ p: 'd/f', c: 'f' }, { p: 'd/g', c: 'g' }],
      edit: (e) => e.rm('d/f'),
      next: [{ p: 'd', c: 'vendor file' }],
    },
    {
      name: 'file modified inside a directory that is a file in the new defaults',
      orig: [{ p: 'd/f', c: 'f' }],
      edit: (e) => e.write('d/f', 'edited'),
      next: [{ p: 'd', c: 'vendor file' }],
    },
  ];

  it.each(cases.map((c) => [c.name, c]))('%s', async (_name, c) => {
    const scratch = scratchDir('fail');
    try {
      const oracle = ostreeDeployPair(
        scratch.path,
        (usrEtc) => writeEntries(join(usrEtc, 'case'), c.orig),
        (etc) => c.edit(new Editor(join(etc, 'case'))),
        (usrEtc) => writeEntries(join(usrEtc, 'case'), c.next),
      );
      expect(oracle.deployError).toBeDefined();
      expect(oracle.deployError).toContain('During /etc merge');
      if (c.message) expect(oracle.deployError).toMatch(c.message);
      // The new deployment was not written by ostree, so build our "next" from the new commit's tree.
      const out = join(scratch.path, 'ours');
      mkdirSync(out);
      await copyTree(join(scratch.path, 'new', 'usr', 'etc'), out);
      const run = mergeEtc({ orig: join(oracle.deploy1, 'usr', 'etc'), modified: join(oracle.deploy1, 'etc'), next: out });
      await expect(run).rejects.toThrow(/^During \/etc merge: /);
      if (c.message) await expect(run).rejects.toThrow(c.message);
    } finally {
      scratch.cleanup();
    }
  }, 60_000);
});
