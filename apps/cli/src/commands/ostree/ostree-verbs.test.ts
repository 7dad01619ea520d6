import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

function ostree(args: string[]): string {
  return execFileSync('ostree', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let dir: string;
let tree: string;
const TS = '@1577836800';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-ostree-'));
  tree = join(dir, 'tree');
  await mkdir(join(tree, 'usr/bin'), { recursive: true });
  await mkdir(join(tree, 'etc/empty'), { recursive: true });
  await writeFile(join(tree, 'usr/bin/sh'), '#!/bin/sh\necho hi\n');
  await chmod(join(tree, 'usr/bin/sh'), 0o755);
  await writeFile(join(tree, 'etc/os-release'), 'NAME=test\n');
  await symlink('../usr/bin/sh', join(tree, 'etc/link'));
  // Extended attributes so that `ls -X` prints real values (bytes, including non-printable ones).
  execFileSync('setfattr', ['-n', 'user.comment', '-v', 'hello world', join(tree, 'etc/os-release')]);
  execFileSync('setfattr', ['-n', 'user.bin', '-v', '0x00ff10', join(tree, 'etc/os-release')]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tsostree ostree verbs, side by side with real ostree', () => {
  it.each(['archive', 'bare-user'])('init, commit, log, show, ls, cat, rev-parse, refs, diff, summary in %s mode', async (mode) => {
    const ours = join(dir, `ours-${mode}`);
    const theirs = join(dir, `theirs-${mode}`);
    expect((await runCli(['ostree', 'init', `--repo=${ours}`, `--mode=${mode}`])).status).toBe(0);
    ostree(['init', `--repo=${theirs}`, `--mode=${mode}`]);
    const args = ['-b', 'os/main', '-s', 'first', '-m', 'body\n\nmore', `--timestamp=${TS}`, '--add-metadata-string=version=1.0', tree];
    const c1 = await runCli(['ostree', 'commit', `--repo=${ours}`, ...args]);
    expect(c1.stderr).toBe('');
    expect(c1.stdout).toBe(ostree(['commit', `--repo=${theirs}`, ...args]));
    await writeFile(join(tree, 'etc/os-release'), 'NAME=test2\n');
    await writeFile(join(tree, 'usr/bin/new'), 'new');
    const args2 = ['-b', 'os/main', '-s', 'second', '--timestamp=2020-02-01T10:00:00Z', tree];
    const c2 = await runCli(['ostree', 'commit', `--repo=${ours}`, ...args2]);
    expect(c2.stdout).toBe(ostree(['commit', `--repo=${theirs}`, ...args2]));
    await writeFile(join(tree, 'etc/os-release'), 'NAME=test\n');
    await rm(join(tree, 'usr/bin/new'));

    for (const verb of [
      ['log', 'os/main'],
      ['show', 'os/main^'],
      ['show', '--print-metadata-key=version', 'os/main^'],
      ['show', '--print-metadata-key=ostree.ref-binding', 'os/main'],
      ['ls', 'os/main'],
      ['ls', '-R', '-C', 'os/main'],
      ['ls', '-X', 'os/main', '/etc'],
      ['ls', '-X', '-C', '-R', 'os/main'],
      ['ls', '-d', 'os/main', '/usr/bin'],
      ['cat', 'os/main', '/etc/os-release'],
      ['rev-parse', 'os/main^'],
      ['rev-parse', c1.stdout.slice(0, 10)],
      ['diff', 'os/main^', 'os/main'],
      ['refs'],
    ]) {
      const r = await runCli(['ostree', verb[0]!, `--repo=${ours}`, ...verb.slice(1)]);
      expect({ verb, out: r.stdout, status: r.status }).toEqual({ verb, out: ostree([verb[0]!, `--repo=${theirs}`, ...verb.slice(1)]), status: 0 });
    }
    expect((await runCli(['ostree', 'summary', `--repo=${ours}`, '-u'])).status).toBe(0);
    const view = await runCli(['ostree', 'summary', `--repo=${ours}`, '--view']);
    ostree(['summary', `--repo=${theirs}`, '-u']);
    // Real ostree reads our summary the same way it reads its own (modulo last-modified).
    const strip = (s: string): string => s.replace(/Last-Modified.*\n/, '');
    expect(strip(ostree(['summary', `--repo=${ours}`, '--view']))).toBe(strip(ostree(['summary', `--repo=${theirs}`, '--view'])));
    expect(strip(view.stdout)).toBe(strip(ostree(['summary', `--repo=${theirs}`, '--view'])));
    const fsck = await runCli(['ostree', 'fsck', `--repo=${ours}`]);
    expect(fsck.status).toBe(0);
    expect(fsck.stdout).toContain('object fsck of 2 commits completed successfully - no errors found.');
    expect(ostree(['fsck', `--repo=${ours}`])).toContain('no errors found');
  });

  it('checkout, refs --create/--delete, remotes, prune and error statuses', async () => {
    const repo = join(dir, 'r2');
    await runCli(['ostree', 'init', `--repo=${repo}`, '--mode=archive']);
    const c = (await runCli(['ostree', 'commit', `--repo=${repo}`, '-b', 'main', `--timestamp=${TS}`, tree])).stdout.trim();
    expect((await runCli(['ostree', 'checkout', `--repo=${repo}`, 'main', join(dir, 'co')])).status).toBe(0);
    expect(await readFile(join(dir, 'co/etc/os-release'), 'utf8')).toBe('NAME=test\n');
    expect((await runCli(['ostree', 'checkout', `--repo=${repo}`, '--subpath=/usr', 'main', join(dir, 'co2')])).status).toBe(0);
    expect(await readFile(join(dir, 'co2/bin/sh'), 'utf8')).toContain('echo hi');
    expect((await runCli(['ostree', 'refs', `--repo=${repo}`, `--create=other`, c])).status).toBe(0);
    expect((await runCli(['ostree', 'refs', `--repo=${repo}`])).stdout).toBe('main\nother\n');
    expect((await runCli(['ostree', 'refs', `--repo=${repo}`, '--delete', 'other'])).status).toBe(0);
    expect((await runCli(['ostree', 'remote', 'add', `--repo=${repo}`, '--no-gpg-verify', '--set=foo=bar', 'origin', 'https://example.com/r', 'main'])).status).toBe(0);
    expect(ostree(['remote', 'list', `--repo=${repo}`, '-u'])).toBe('origin  https://example.com/r\n');
    expect((await runCli(['ostree', 'remote', 'list', `--repo=${repo}`, '-u'])).stdout).toBe('origin  https://example.com/r\n');
    expect((await runCli(['ostree', 'remote', 'show-url', `--repo=${repo}`, 'origin'])).stdout).toBe('https://example.com/r\n');
    expect((await runCli(['ostree', 'remote', 'delete', `--repo=${repo}`, 'origin'])).status).toBe(0);
    expect((await runCli(['ostree', 'remote', 'delete', `--repo=${repo}`, 'origin'])).status).toBe(3);
    const prune = await runCli(['ostree', 'prune', `--repo=${repo}`, '--refs-only', '--no-prune']);
    expect(prune.stdout).toBe(ostree(['prune', `--repo=${repo}`, '--refs-only', '--no-prune']));
    expect((await runCli(['ostree', 'log', `--repo=${repo}`, 'nope'])).status).toBe(3);
    expect((await runCli(['ostree', 'commit', `--repo=${repo}`, tree])).status).toBe(2);
    expect((await runCli(['ostree', 'log', `--repo=${join(dir, 'missing')}`, 'main'])).status).toBe(3);
    // Corruption: fsck names the object and exits with the Corrupt status.
    const obj = ostree(['ls', `--repo=${repo}`, '-C', 'main', '/etc/os-release']).trim().split(/\s+/)[4]!;
    await rm(join(repo, 'objects', obj.slice(0, 2), `${obj.slice(2)}.filez`));
    const fsck = await runCli(['ostree', 'fsck', `--repo=${repo}`]);
    expect(fsck.status).toBe(5);
    expect(fsck.stdout).toContain(`NotFound: ${obj}.file`);
  });
});
