/**
 * Repositories for static-delta tests, built with the real `ostree` at test time: a commit and a
 * successor that exercises every delta opcode when real ostree generates the delta
 * (open-splice-and-close for new objects, rollsum open/write/set-read-source for a big file with a
 * small edit, bsdiff for a small modified file), plus symlinks, xattrs and odd names.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTree } from './ostree-fixture.js';

export function ostreeCmd(repo: string, ...args: string[]): string {
  try {
    return execFileSync('ostree', [`--repo=${repo}`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).trim();
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`ostree --repo=${repo} ${args.join(' ')} failed: ${String(e.stderr ?? e.message)}`);
  }
}

export interface DeltaFixture {
  repo: string;
  from: string;
  to: string;
  treeFrom: string;
  treeTo: string;
}

/** An archive repo with `main` = from → to (see the module comment). */
export function makeDeltaFixture(dir: string): DeltaFixture {
  const repo = join(dir, 'src-repo');
  const treeFrom = join(dir, 'tree-from');
  const treeTo = join(dir, 'tree-to');
  makeTree(treeFrom);
  mkdirSync(join(treeFrom, 'data'));
  writeFileSync(join(treeFrom, 'data/roll.bin'), randomBytes(1_200_000));
  writeFileSync(join(treeFrom, 'data/patch.bin'), randomBytes(60_000));
  ostreeCmd(repo, 'init', '--mode=archive');
  const from = ostreeCmd(repo, 'commit', '-b', 'main', '--timestamp=2024-01-01T00:00:00Z', '-s', 'from', treeFrom);
  cpSync(treeFrom, treeTo, { recursive: true, verbatimSymlinks: true });
  execFileSync('cp', ['-a', `${treeFrom}/.`, treeTo]);
  const roll = readFileSync(join(treeTo, 'data/roll.bin'));
  roll.fill(0x58, 600_000, 600_016);
  writeFileSync(join(treeTo, 'data/roll.bin'), roll);
  const patch = readFileSync(join(treeTo, 'data/patch.bin'));
  writeFileSync(join(treeTo, 'data/patch.bin'), Buffer.concat([Buffer.from('prefix'), patch.subarray(0, 30_000), randomBytes(40), patch.subarray(30_000)]));
  writeFileSync(join(treeTo, 'a'), 'changed\n');
  writeFileSync(join(treeTo, 'new-file'), 'brand new\n');
  mkdirSync(join(treeTo, 'newdir'));
  writeFileSync(join(treeTo, 'newdir/inside'), randomBytes(5000));
  execFileSync('ln', ['-s', '../a', join(treeTo, 'newdir/up-link')]);
  const to = ostreeCmd(repo, 'commit', '-b', 'main', '--timestamp=2024-01-02T00:00:00Z', '-s', 'to', '--add-detached-metadata-string=note=detached', treeTo);
  return { repo, from, to, treeFrom, treeTo };
}

/** `ostree ls -R -X` of a commit: a comparable listing with modes, owners, sizes, checksums, xattrs. */
export function lsCommit(repo: string, rev: string): string {
  return ostreeCmd(repo, 'ls', '-R', '-X', '-C', rev);
}
