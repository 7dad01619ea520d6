import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

function ostree(args: string[]): string {
  return execFileSync('ostree', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let dir: string;
let tree: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-commit-meta-'));
  tree = join(dir, 'tree');
  await mkdir(join(tree, 'etc'), { recursive: true });
  await writeFile(join(tree, 'etc/os-release'), 'NAME=test\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const commitmeta = (repo: string, commit: string): Promise<Buffer> =>
  readFile(join(repo, 'objects', commit.slice(0, 2), `${commit.slice(2)}.commitmeta`));

describe('ostree commit --add-metadata / --add-detached-metadata-string vs real ostree', () => {
  it.each(['archive', 'bare-user'])('same commit checksum and byte-identical detached metadata in %s mode', async (mode) => {
    const ours = join(dir, `ours-${mode}`);
    const theirs = join(dir, `theirs-${mode}`);
    expect((await runCli(['ostree', 'init', `--repo=${ours}`, `--mode=${mode}`])).status).toBe(0);
    ostree(['init', `--repo=${theirs}`, `--mode=${mode}`]);
    const args = [
      '-b', 'main', '--timestamp=@1577836800',
      '--add-metadata-string=s1=x',
      '--add-metadata=n=uint32 42',
      "--add-metadata=l=['a', 'b']",
      '--add-metadata=m={"k": <int64 -3>}',
      '--add-metadata=bytes=b"raw\\x01"',
      '--add-metadata-string=s2=y=z',
      '--add-detached-metadata-string=d1=one',
      '--add-detached-metadata-string=d0=two',
      tree,
    ];
    const c = await runCli(['ostree', 'commit', `--repo=${ours}`, ...args]);
    expect(c.stderr).toBe('');
    const checksum = ostree(['commit', `--repo=${theirs}`, ...args]);
    expect(c.stdout).toBe(checksum);
    const commit = checksum.trim();
    expect(await commitmeta(ours, commit)).toEqual(await commitmeta(theirs, commit));
    // Real ostree reads what we wrote.
    for (const key of ['d1', 'd0']) {
      expect(ostree(['show', `--repo=${ours}`, `--print-detached-metadata-key=${key}`, 'main'])).toBe(
        ostree(['show', `--repo=${theirs}`, `--print-detached-metadata-key=${key}`, 'main']),
      );
    }
    for (const key of ['n', 'l', 'm', 'bytes', 's2']) {
      expect(ostree(['show', `--repo=${ours}`, `--print-metadata-key=${key}`, 'main'])).toBe(
        ostree(['show', `--repo=${theirs}`, `--print-metadata-key=${key}`, 'main']),
      );
    }
  });

  it('refuses malformed KEY=VALUE and GVariant text like ostree, before writing anything', async () => {
    const ours = join(dir, 'ours-bad');
    expect((await runCli(['ostree', 'init', `--repo=${ours}`, '--mode=archive'])).status).toBe(0);
    for (const bad of ['--add-metadata=novalue', '--add-metadata=k=[1,', '--add-metadata=k=@s 42', '--add-detached-metadata-string=novalue', '--add-metadata==x']) {
      const r = await runCli(['ostree', 'commit', `--repo=${ours}`, '-b', 'main', bad, tree]);
      expect(r.status, bad).not.toBe(0);
      expect(r.stderr, bad).toMatch(/^error: (Missing '=' in KEY=VALUE metadata|Parsing )/);
    }
    expect(ostree(['refs', `--repo=${ours}`])).toBe('');
  });
});
