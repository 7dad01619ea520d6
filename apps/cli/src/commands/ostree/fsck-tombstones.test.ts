import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

function ostree(args: string[]): string {
  return execFileSync('ostree', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-fsck-tomb-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function objectFiles(repo: string): Promise<string[]> {
  const out: string[] = [];
  for (const fan of await readdir(join(repo, 'objects'))) {
    for (const name of await readdir(join(repo, 'objects', fan))) out.push(`${fan}/${name}`);
  }
  return out.sort();
}

describe('ostree fsck --add-tombstones vs real ostree', () => {
  it.each(['archive', 'bare-user'])('deletes commits whose parent is missing and writes the same tombstones (%s)', async (mode) => {
    const tree = join(dir, `tree-${mode}`);
    await mkdir(tree);
    const theirs = join(dir, `theirs-${mode}`);
    const ours = join(dir, `ours-${mode}`);
    ostree(['init', `--repo=${theirs}`, `--mode=${mode}`]);
    const commits: string[] = [];
    for (let i = 0; i < 3; i++) {
      await writeFile(join(tree, 'f'), `v${i}`);
      commits.push(ostree(['commit', `--repo=${theirs}`, '-b', 'main', `--timestamp=@${1577836800 + i}`, tree]).trim());
    }
    // A side branch whose root commit is intact: nothing to tombstone there.
    ostree(['commit', `--repo=${theirs}`, '-b', 'side', '--timestamp=@1577836900', tree]);
    const c0 = commits[0]!;
    await rm(join(theirs, 'objects', c0.slice(0, 2), `${c0.slice(2)}.commit`));
    execFileSync('cp', ['-a', theirs, ours]); // keeps user.ostreemeta

    const r = await runCli(['ostree', 'fsck', `--repo=${ours}`, '--add-tombstones']);
    const t = ostree(['fsck', `--repo=${theirs}`, '--add-tombstones']);
    expect(r.status).toBe(0);
    const line = `Adding tombstone for commit ${commits[1]}\n`;
    expect(t).toContain(line);
    expect(r.stdout).toContain(line);
    expect(r.stdout.match(/Adding tombstone/g)).toHaveLength(1);
    // Same config (core.tombstone-commits=true added), same objects, byte-identical tombstone.
    expect(await readFile(join(ours, 'config'), 'utf8')).toBe(await readFile(join(theirs, 'config'), 'utf8'));
    expect(await objectFiles(ours)).toEqual(await objectFiles(theirs));
    const tomb = join('objects', commits[1]!.slice(0, 2), `${commits[1]!.slice(2)}.tombstone-commit`);
    expect(await readFile(join(ours, tomb))).toEqual(await readFile(join(theirs, tomb)));
    // Real ostree is happy with the result and shows the same history.
    expect(ostree(['fsck', `--repo=${ours}`])).toContain('no errors found');
    expect(ostree(['log', `--repo=${ours}`, 'main'])).toBe(ostree(['log', `--repo=${theirs}`, 'main']));
    // The summary advertises tombstones once the config enables them.
    expect((await runCli(['ostree', 'summary', `--repo=${ours}`, '-u'])).status).toBe(0);
    ostree(['summary', `--repo=${theirs}`, '-u']);
    const flag = (text: string): string | undefined => text.split('\n').find((l) => l.includes('ostree.summary.tombstone-commits'));
    expect(flag(ostree(['summary', `--repo=${ours}`, '--view']))).toBe(flag(ostree(['summary', `--repo=${theirs}`, '--view'])));
    expect(flag(ostree(['summary', `--repo=${ours}`, '--view']))).toMatch(/Yes/);
    // Like ostree, a second run now finds the next commit orphaned (its parent just became a tombstone).
    const again = await runCli(['ostree', 'fsck', `--repo=${ours}`, '--add-tombstones']);
    const next = `Adding tombstone for commit ${commits[2]}\n`;
    expect(again.stdout).toContain(next);
    expect(ostree(['fsck', `--repo=${theirs}`, '--add-tombstones'])).toContain(next);
    expect(await objectFiles(ours)).toEqual(await objectFiles(theirs));
  });
});
