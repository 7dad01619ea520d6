// init-fs, os-init/stateroot-init and status against real `ostree admin` on the same sysroots.
import { cp, mkdir, readdir, lstat, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test/run-cli.js';
import { commitSample, ostree, realSysroot, removeTree, tempDir } from '../../../../test/sysroot-fixture.js';

let work: string;
beforeAll(async () => {
  work = await tempDir('cli-admin-read');
});
afterAll(async () => {
  await removeTree(work);
});

async function listing(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(root, rel))).sort()) {
    const p = join(rel, name);
    const st = await lstat(join(root, p));
    out.push(`${p} ${(st.mode & 0o170777).toString(8)}`);
    if (st.isDirectory()) out.push(...(await listing(root, p)));
  }
  return out;
}

describe('ostree admin init-fs / os-init', () => {
  it('makes the same skeleton and prints the same line as ostree', async () => {
    const real = join(work, 'init-real');
    const ours = join(work, 'init-ours');
    await realSysroot(real, 'os');
    const absent = await runCli(['ostree', 'admin', 'init-fs', ours]);
    expect(absent).toEqual({ status: 3, stdout: '', stderr: `error: ${ours} does not exist\n` });
    await mkdir(ours);
    expect((await runCli(['ostree', 'admin', 'init-fs', ours])).status).toBe(0);
    const r = await runCli(['ostree', 'admin', 'os-init', `--sysroot=${ours}`, 'os']);
    expect(r).toEqual({ status: 0, stdout: 'ostree/deploy/os initialized as OSTree root\n', stderr: '' });
    const strip = (l: string[]) => l.filter((x) => !x.startsWith('ostree/repo/') && !x.startsWith('ostree/repo '));
    expect(strip(await listing(ours))).toEqual(strip(await listing(real)));
    const again = await runCli(['ostree', 'admin', 'stateroot-init', `--sysroot=${ours}`, 'second']);
    expect(again.stdout).toBe('ostree/deploy/second initialized as OSTree root\n');
  });

  it('refuses bad stateroot names and missing sysroots', async () => {
    const root = join(work, 'init-bad');
    await mkdir(root);
    await runCli(['ostree', 'admin', 'init-fs', root]);
    for (const name of ['../evil', 'a/b', '.', '..', '']) {
      const r = await runCli(['ostree', 'admin', 'os-init', `--sysroot=${root}`, '--', name]);
      expect(r.status, name).toBe(2);
      expect(r.stderr, name).toMatch(/^error: /);
    }
    expect(await readdir(join(work))).not.toContain('evil');
    const missing = await runCli(['ostree', 'admin', 'os-init', `--sysroot=${join(work, 'nope')}`, 'os']);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toBe(`error: sysroot ${join(work, 'nope')} does not exist\n`);
  });
});

describe('ostree admin status', () => {
  let root: string;
  beforeAll(async () => {
    root = join(work, 'status');
    await realSysroot(root, 'os');
    const repo = join(root, 'ostree/repo');
    await commitSample(work, repo, 'os/stable', { version: '1' });
    await ostree('admin', 'deploy', `--sysroot=${root}`, '--os=os', '--karg=root=LABEL=x', 'os/stable');
    await commitSample(work, repo, 'os/stable', { version: '2' });
    await ostree('admin', 'deploy', `--sysroot=${root}`, '--os=os', 'os/stable');
  });

  it('prints what ostree prints, pinned deployments included', async () => {
    const real = await ostree('admin', 'status', `--sysroot=${root}`);
    expect(real).toMatch(/^ {2}os [0-9a-f]{64}\.0\n {4}Version: 2\n/);
    expect(await runCli(['ostree', 'admin', 'status', `--sysroot=${root}`])).toEqual({ status: 0, stdout: real, stderr: '' });
    await ostree('admin', 'pin', `--sysroot=${root}`, '1');
    const pinned = await ostree('admin', 'status', `--sysroot=${root}`);
    expect(pinned).toContain('    Pinned: yes\n');
    expect((await runCli(['ostree', 'admin', 'status', `--sysroot=${root}`])).stdout).toBe(pinned);
    await ostree('admin', 'pin', `--sysroot=${root}`, '--unpin', '1');
  });

  it('says No deployments. on an empty sysroot, like ostree', async () => {
    const empty = join(work, 'empty');
    await realSysroot(empty, 'os');
    const real = await ostree('admin', 'status', `--sysroot=${empty}`);
    expect(real).toBe('No deployments.\n');
    expect((await runCli(['ostree', 'admin', 'status', `--sysroot=${empty}`])).stdout).toBe(real);
  });

  it('marks the booted, pending and rollback deployments (booted named by TSOSTREE_BOOTED)', async () => {
    const lines = (await ostree('admin', 'status', `--sysroot=${root}`)).split('\n');
    const second = lines.filter((l) => l.startsWith('  os '))[1]!.slice(5);
    const r = await runCli(['ostree', 'admin', 'status', `--sysroot=${root}`], { TSOSTREE_BOOTED: second });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ {2}os [0-9a-f]{64}\.0 \(pending\)\n[\s\S]*\n\* os [0-9a-f]{64}\.0\n/);
    const copy = join(work, 'status-copy');
    await cp(root, copy, { recursive: true, verbatimSymlinks: true });
    const first = lines[0]!.slice(5);
    const r2 = await runCli(['ostree', 'admin', 'status', `--sysroot=${copy}`], { TSOSTREE_BOOTED: `os:${first}` });
    expect(r2.stdout).toMatch(/^\* os [0-9a-f]{64}\.0\n[\s\S]*\n {2}os [0-9a-f]{64}\.0 \(rollback\)\n/);
  });

  it('gives clear errors for a missing sysroot, a non-sysroot and a bad TSOSTREE_BOOTED', async () => {
    const missing = await runCli(['ostree', 'admin', 'status', `--sysroot=${join(work, 'absent')}`]);
    expect(missing).toEqual({ status: 3, stdout: '', stderr: `error: sysroot ${join(work, 'absent')} does not exist\n` });
    const plain = join(work, 'plain');
    await mkdir(plain);
    const notSysroot = await runCli(['ostree', 'admin', 'status', `--sysroot=${plain}`]);
    expect(notSysroot.status).toBe(3);
    expect(notSysroot.stderr).toMatch(/is not an ostree sysroot/);
    await writeFile(join(work, 'file'), 'x');
    expect((await runCli(['ostree', 'admin', 'status', `--sysroot=${join(work, 'file')}`])).status).toBe(2);
    const bad = await runCli(['ostree', 'admin', 'status', `--sysroot=${root}`], { TSOSTREE_BOOTED: '../../etc.0' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: TSOSTREE_BOOTED=/);
    const unknown = await runCli(['ostree', 'admin', 'status', `--sysroot=${root}`], { TSOSTREE_BOOTED: `${'0'.repeat(64)}.0` });
    expect(unknown.status).toBe(3);
  });
});

describe('ostree admin config-diff', () => {
  it('lists /etc changes like ostree', async () => {
    const root = join(work, 'config-diff');
    await realSysroot(root, 'os');
    await commitSample(work, join(root, 'ostree/repo'), 'os/stable', { version: '1' });
    await ostree('admin', 'deploy', `--sysroot=${root}`, '--os=os', 'os/stable');
    const etc = join(root, (await ostree('admin', 'status', `--sysroot=${root}`)).split('\n')[0]!.trim().replace(/^os /, 'ostree/deploy/os/deploy/'), 'etc');
    await writeFile(join(etc, 'demo.conf'), 'log_level=debug\n');
    await rm(join(etc, 'hostname'));
    await writeFile(join(etc, 'local.conf'), 'mine\n');
    await mkdir(join(etc, 'local.d'));
    await writeFile(join(etc, 'local.d/a.conf'), 'a\n');
    await rm(join(etc, 'os-release'));
    await symlink('/elsewhere', join(etc, 'os-release'));
    const real = await ostree('admin', 'config-diff', `--sysroot=${root}`, '--os=os');
    expect(real.split('\n').filter(Boolean).sort()).toEqual(['A    local.conf', 'A    local.d', 'A    local.d/a.conf', 'D    hostname', 'M    demo.conf', 'M    os-release']);
    expect(await runCli(['ostree', 'admin', 'config-diff', `--sysroot=${root}`, '--os=os'])).toEqual({ status: 0, stdout: real, stderr: '' });
    const unbooted = await runCli(['ostree', 'admin', 'config-diff', `--sysroot=${root}`]);
    expect(unbooted).toEqual({ status: 2, stdout: '', stderr: 'error: Not currently booted into an OSTree system and no --os= argument given\n' });
    const other = await runCli(['ostree', 'admin', 'config-diff', `--sysroot=${root}`, '--os=nosuch']);
    expect(other).toEqual({ status: 3, stdout: '', stderr: "error: No deployment for OS 'nosuch'\n" });
    const hostile = await runCli(['ostree', 'admin', 'config-diff', `--sysroot=${root}`, '--os=../..']);
    expect(hostile.status).toBe(2);
  });
});

describe('ostree admin deploy output', () => {
  it('prints what ostree prints on stdout for a first and a second deploy (the /var relabel note included)', async () => {
    const real = join(work, 'deploy-out-real');
    const ours = join(work, 'deploy-out-ours');
    await realSysroot(real, 'os');
    await commitSample(work, join(real, 'ostree/repo'), 'os/stable', { version: '1' });
    await cp(real, ours, { recursive: true, verbatimSymlinks: true });
    for (const step of ['first', 'second']) {
      const theirs = await ostree('admin', 'deploy', `--sysroot=${real}`, '--os=os', 'os/stable');
      const mine = await runCli(['ostree', 'admin', 'deploy', `--sysroot=${ours}`, '--os=os', 'os/stable']);
      expect({ step, ...mine }).toEqual({ step, status: 0, stdout: theirs, stderr: '' });
    }
  });
});
