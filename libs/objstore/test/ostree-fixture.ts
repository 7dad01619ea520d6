/**
 * Builds small ostree repositories with the real `ostree` (installed by tools/setup.sh) at test time,
 * in a temp dir, so format tests can read objects written by ostree itself.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function ostree(repo: string, ...args: string[]): string {
  return run('ostree', [`--repo=${repo}`, ...args]).trim();
}

/** Writes a small but varied tree: empty/exec/big files, symlinks, unicode names, xattrs, a wide directory. */
export function makeTree(root: string): void {
  mkdirSync(join(root, 'sub/deeper'), { recursive: true });
  mkdirSync(join(root, 'wide'));
  writeFileSync(join(root, 'a'), 'hello\n');
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(root, 'run.sh'), 0o755);
  writeFileSync(join(root, 'big.bin'), Buffer.concat([randomBytes(150_000), Buffer.alloc(200_000, 7)]));
  writeFileSync(join(root, 'héllo wörld'), 'unicode\n');
  writeFileSync(join(root, 'B'), 'upper\n');
  writeFileSync(join(root, '_'), 'underscore\n');
  symlinkSync('a', join(root, 'link'));
  symlinkSync('/etc/passwd', join(root, 'abs-link'));
  writeFileSync(join(root, 'sub/deeper/x'), 'x\n');
  writeFileSync(join(root, 'sub/xa'), 'xattrs\n');
  run('setfattr', ['-n', 'user.zeta', '-v', 'last', join(root, 'sub/xa')]);
  run('setfattr', ['-n', 'user.alpha', '-v', '0x00ff00', join(root, 'sub/xa')]);
  run('setfattr', ['-n', 'user.dir', '-v', 'yes', join(root, 'sub')]);
  for (let i = 0; i < 300; i++) writeFileSync(join(root, 'wide', `file-${String(i).padStart(4, '0')}-${'n'.repeat(i % 40)}`), `${i}\n`);
  chmodSync(join(root, 'wide'), 0o750);
}

export interface OstreeFixture {
  dir: string;
  archive: string;
  bareUser: string;
  commits: string[];
  tombstoned: string;
  cleanup(): void;
}

export function makeOstreeFixture(): OstreeFixture {
  const dir = mkdtempSync(join(tmpdir(), 'tsostree-objfmt-'));
  const tree = join(dir, 'tree');
  makeTree(tree);
  const archive = join(dir, 'archive');
  const bareUser = join(dir, 'bare-user');
  ostree(archive, 'init', '--mode=archive');
  ostree(bareUser, 'init', '--mode=bare-user');
  const c1 = ostree(archive, 'commit', '-b', 'main', '--timestamp=2023-11-14T22:13:20Z', '-s', 'first', '--add-metadata-string=version=1.0', '--add-metadata=answer=uint32 42', '--add-detached-metadata-string=note=detached', tree);
  writeFileSync(join(tree, 'a'), 'hello again\n');
  const c2 = ostree(archive, 'commit', '-b', 'main', '--timestamp=2024-01-01T00:00:00Z', '-s', 'second', '-m', 'a body\nwith lines', '--generate-sizes', tree);
  const c3 = ostree(archive, 'commit', '-b', 'other/branch', '--timestamp=2024-02-02T00:00:00Z', '-s', 'other', '--owner-uid=0', '--owner-gid=0', tree);
  ostree(archive, 'commit', '-b', 'versioned', '--timestamp=2024-02-03T00:00:00Z', '-s', 'versioned', '--add-metadata-string=version=9.9', tree);
  const gone = ostree(archive, 'commit', '-b', 'gone', '--timestamp=2024-03-03T00:00:00Z', '-s', 'to delete', tree);
  ostree(archive, 'refs', '--delete', 'gone');
  ostree(archive, 'config', 'set', 'core.tombstone-commits', 'true');
  ostree(archive, 'prune', `--delete-commit=${gone}`);
  ostree(archive, 'summary', '-u');
  ostree(bareUser, 'commit', '-b', 'main', '--timestamp=2023-11-14T22:13:20Z', '-s', 'bare-user', tree);
  return { dir, archive, bareUser, commits: [c1, c2, c3], tombstoned: gone, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every loose object of a repository as [checksum, type-suffix, path]. */
export function listObjects(repo: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  const objects = join(repo, 'objects');
  for (const d of readdirSync(objects)) {
    for (const f of readdirSync(join(objects, d))) {
      const dot = f.indexOf('.');
      out.push([d + f.slice(0, dot), f.slice(dot + 1), join(objects, d, f)]);
    }
  }
  return out.sort();
}
