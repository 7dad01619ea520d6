import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

function ostree(args: string[]): string {
  return execFileSync('ostree', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

let dir: string;
let src: string;
let from: string;
let to: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-delta-'));
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'usr/bin'), { recursive: true });
  await writeFile(join(tree, 'usr/bin/tool'), randomBytes(40_000));
  await writeFile(join(tree, 'usr/bin/sh'), '#!/bin/sh\n');
  src = join(dir, 'src');
  ostree(['init', `--repo=${src}`, '--mode=archive']);
  from = ostree(['commit', `--repo=${src}`, '-b', 'main', '-s', 'one', tree]);
  await writeFile(join(tree, 'usr/bin/new'), 'new\n');
  to = ostree(['commit', `--repo=${src}`, '-b', 'main', '-s', 'two', tree]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tsostree ostree static-delta', () => {
  it('apply-offline applies a delta made by real ostree; real fsck passes', async () => {
    ostree(['static-delta', 'generate', `--repo=${src}`, `--from=${from}`, `--to=${to}`]);
    const target = join(dir, 'target');
    ostree(['init', `--repo=${target}`, '--mode=bare-user']);
    ostree(['pull-local', `--repo=${target}`, src, from]);
    const prefix = execFileSync('ls', [join(src, 'deltas')], { encoding: 'utf8' }).trim();
    const name = execFileSync('ls', [join(src, 'deltas', prefix)], { encoding: 'utf8' }).trim();
    const r = await runCli(['ostree', 'static-delta', 'apply-offline', `--repo=${target}`, join(src, 'deltas', prefix, name)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(ostree(['fsck', `--repo=${target}`])).toContain('completed successfully');
    expect(ostree(['ls', `--repo=${target}`, '-R', to])).toBe(ostree(['ls', `--repo=${src}`, '-R', to]));
  });

  it('apply-offline of a missing path fails with a clear error', async () => {
    const target = join(dir, 'target2');
    ostree(['init', `--repo=${target}`, '--mode=archive']);
    const r = await runCli(['ostree', 'static-delta', 'apply-offline', `--repo=${target}`, join(dir, 'nope')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^error: .*nope/);
  });
});

describe('tsostree ostree static-delta generate/list/show, against real ostree', () => {
  it('generate (default: from the parent), list and show match real ostree; real ostree applies our delta', async () => {
    const repo = join(dir, 'gen');
    ostree(['init', `--repo=${repo}`, '--mode=archive']);
    ostree(['pull-local', '--depth=1', `--repo=${repo}`, src, 'main']);
    expect((await runCli(['ostree', 'static-delta', 'list', `--repo=${repo}`])).stdout).toBe('(No static deltas)\n');
    const g = await runCli(['ostree', 'static-delta', 'generate', `--repo=${repo}`, '--to=main']);
    expect(g.stderr).toBe('');
    expect(g.stdout).toBe(`Generating static delta:\n  From: ${from}\n  To:   ${to}\n`);
    // (not --inline here: real ostree 2022.7's `show` cannot read inline parts, ours can)
    const e = await runCli(['ostree', 'static-delta', 'generate', `--repo=${repo}`, '--empty', to]);
    expect(e.stdout).toContain('From: empty');
    const list = await runCli(['ostree', 'static-delta', 'list', `--repo=${repo}`]);
    expect(list.stdout.split('\n').filter(Boolean).sort()).toEqual(ostree(['static-delta', 'list', `--repo=${repo}`]).split('\n').sort());
    for (const name of [`${from}-${to}`, to]) {
      const show = await runCli(['ostree', 'static-delta', 'show', `--repo=${repo}`, name]);
      expect(show.stdout).toBe(`${ostree(['static-delta', 'show', `--repo=${repo}`, name])}\n`);
    }
    const target = join(dir, 'gen-target');
    ostree(['init', `--repo=${target}`, '--mode=bare-user']);
    ostree(['pull-local', `--repo=${target}`, src, from]);
    const prefix = execFileSync('ls', [join(repo, 'deltas')], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const p of prefix) {
      for (const n of execFileSync('ls', [join(repo, 'deltas', p)], { encoding: 'utf8' }).split('\n').filter((x) => x.includes('-'))) {
        ostree(['static-delta', 'apply-offline', `--repo=${target}`, join(repo, 'deltas', p, n)]);
      }
    }
    expect(ostree(['fsck', `--repo=${target}`])).toContain('completed successfully');
    expect((await runCli(['ostree', 'static-delta', 'generate', `--repo=${repo}`, '-n', '--to=main'])).stdout).toMatch(/already exists/);
  });

  it('bad input: no parent, bad name, bad sizes → clear errors', async () => {
    const repo = join(dir, 'gen');
    const r1 = await runCli(['ostree', 'static-delta', 'generate', `--repo=${repo}`, `--to=${from}`]);
    expect(r1.stderr).toMatch(/^error: Commit .* has no parent/);
    const r2 = await runCli(['ostree', 'static-delta', 'show', `--repo=${repo}`, '../../etc']);
    expect(r2.status).not.toBe(0);
    expect(r2.stderr).toMatch(/^error: invalid static delta name/);
    const r3 = await runCli(['ostree', 'static-delta', 'generate', `--repo=${repo}`, '--max-chunk-size=huge', '--to=main']);
    expect(r3.status).not.toBe(0);
    const r4 = await runCli(['ostree', 'static-delta', 'show', `--repo=${repo}`, `${'a'.repeat(64)}`]);
    expect(r4.stderr).toMatch(/^error: Can't find delta/);
  });
});
