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
