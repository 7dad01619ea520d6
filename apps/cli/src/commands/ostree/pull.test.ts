import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

function ostree(args: string[]): string {
  return execFileSync('ostree', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let dir: string;
let source: string;
let head: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-pull-'));
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'usr/bin'), { recursive: true });
  await writeFile(join(tree, 'usr/bin/sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await writeFile(join(tree, 'os-release'), 'NAME=test\n');
  source = join(dir, 'source');
  ostree(['init', `--repo=${source}`, '--mode=archive']);
  head = ostree(['commit', `--repo=${source}`, '-b', 'os/main', '--timestamp=@1577836800', '-s', 'one', tree]).trim();
  ostree(['summary', '-u', `--repo=${source}`]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tsostree ostree pull / pull-local', () => {
  it('pulls REMOTE:BRANCH from a file:// remote and prints the closing line', async () => {
    const repo = join(dir, 'client');
    ostree(['init', `--repo=${repo}`, '--mode=bare-user']);
    ostree(['remote', 'add', `--repo=${repo}`, '--no-gpg-verify', 'origin', pathToFileURL(source).href]);
    const r = await runCli(['ostree', 'pull', `--repo=${repo}`, 'origin:os/main']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+ metadata, 2 content objects fetched/);
    expect(ostree(['rev-parse', `--repo=${repo}`, 'origin:os/main']).trim()).toBe(head);
    ostree(['fsck', `--repo=${repo}`]);
  });

  it('refuses unsigned commits from a remote with gpg-verify (the default), and an unknown remote', async () => {
    const repo = join(dir, 'client-gpg');
    ostree(['init', `--repo=${repo}`, '--mode=archive']);
    ostree(['remote', 'add', `--repo=${repo}`, 'origin', pathToFileURL(source).href]);
    const r = await runCli(['ostree', 'pull', `--repo=${repo}`, 'origin', 'os/main']);
    expect(r.status).toBe(7);
    expect(r.stderr).toMatch(/^error: .*GPG verification enabled, but no signatures found/);
    const missing = await runCli(['ostree', 'pull', `--repo=${repo}`, 'nope', 'os/main']);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/Remote "nope" not found/);
  });

  it('verifies a GPG-signed commit against the keyring directory named by $OSTREE_GPG_HOME', async () => {
    const tests = '/usr/libexec/installed-tests/libostree/gpghome';
    const home = join(dir, 'gpghome');
    execFileSync('cp', ['-a', tests, home]);
    const signed = join(dir, 'signed');
    execFileSync('cp', ['-a', source, signed]);
    try {
      ostree(['gpg-sign', `--repo=${signed}`, `--gpg-homedir=${home}`, 'os/main', '7FCA23D8472CDAFA']);
    } finally {
      execFileSync('gpgconf', ['--homedir', home, '--kill', 'all']);
    }
    const keys = join(dir, 'trusted-keys');
    await mkdir(keys);
    execFileSync('cp', [join(tests, 'trusted/pubring.gpg'), join(keys, 'test.gpg')]);
    const repo = join(dir, 'client-signed');
    ostree(['init', `--repo=${repo}`, '--mode=archive']);
    ostree(['remote', 'add', `--repo=${repo}`, 'origin', pathToFileURL(signed).href]);
    const refused = await runCli(['ostree', 'pull', `--repo=${repo}`, 'origin', 'os/main']);
    expect(refused.status).toBe(7);
    const r = await runCli(['ostree', 'pull', `--repo=${repo}`, 'origin', 'os/main'], { OSTREE_GPG_HOME: keys });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(ostree(['rev-parse', `--repo=${repo}`, 'origin:os/main']).trim()).toBe(head);
  });

  it('pull-local copies every branch, and refs that do not exist are an error', async () => {
    const repo = join(dir, 'local');
    ostree(['init', `--repo=${repo}`, '--mode=archive']);
    const r = await runCli(['ostree', 'pull-local', `--repo=${repo}`, source]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/content objects copied/);
    expect(ostree(['rev-parse', `--repo=${repo}`, 'os/main']).trim()).toBe(head);
    ostree(['fsck', `--repo=${repo}`]);
    const bad = await runCli(['ostree', 'pull-local', `--repo=${repo}`, source, 'no/such']);
    expect(bad.status).toBe(3);
  });
});
