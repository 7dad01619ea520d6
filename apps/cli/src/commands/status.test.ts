// `tsostree status` on a sysroot deployed by real ostree.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import { commitSample, ostree, realSysroot, removeTree, tempDir } from '../../test/sysroot-fixture.js';

let work: string;
let root: string;
let v1: string;
let v2: string;
beforeAll(async () => {
  work = await tempDir('cli-status');
  root = join(work, 'sysroot');
  await realSysroot(root, 'os');
  const repo = join(root, 'ostree/repo');
  v1 = await commitSample(work, repo, 'os/stable', { version: '1' });
  await ostree('admin', 'deploy', `--sysroot=${root}`, '--os=os', 'os/stable');
  v2 = await commitSample(work, repo, 'os/stable', { version: '2' });
  await ostree('admin', 'deploy', `--sysroot=${root}`, '--os=os', 'os/stable');
  await commitSample(work, repo, 'os/stable', { version: '3' }); // the ref moves on: an update is available
});
afterAll(async () => {
  await removeTree(work);
});

describe('tsostree status', () => {
  it('lists the deployments like rpm-ostree, the booted one marked', async () => {
    const r = await runCli(['status', `--sysroot=${root}`], { TSOSTREE_BOOTED: `${v1}.0` });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        [
          '^State: idle',
          'Deployments:',
          '  os/stable',
          ' {19}Version: 2 \\(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)',
          ` {20}Commit: ${v2}`,
          '',
          '● os/stable',
          ' {19}Version: 1 \\(.*\\)',
          ` {20}Commit: ${v1}`,
          '$',
        ].join('\n'),
      ),
    );
    const booted = await runCli(['status', '-b', `--sysroot=${root}`], { TSOSTREE_BOOTED: `${v1}.0` });
    expect(booted.stdout).toMatch(/^State: idle\nBootedDeployment:\n● os\/stable\n/);
    expect(booted.stdout).not.toContain(v2);
  });

  it('prints rpm-ostree\'s JSON document', async () => {
    const r = await runCli(['status', '--json', `--sysroot=${root}`], { TSOSTREE_BOOTED: `${v1}.0` });
    const doc = JSON.parse(r.stdout);
    expect(doc.transaction).toBeNull();
    expect(doc.deployments.map((d: { version: string; booted: boolean }) => [d.version, d.booted])).toEqual([
      ['2', false],
      ['1', true],
    ]);
    expect(doc.deployments[0]).toMatchObject({ id: `os-${v2}.0`, osname: 'os', checksum: v2, serial: 0, origin: 'os/stable', staged: false, pinned: false });
    expect(doc.deployments[0]['pending-base-version']).toBe('3');
    expect(doc.deployments[0]['base-commit-meta']).toMatchObject({ version: '2', 'ostree.ref-binding': ['os/stable'] });
  });

  it('shows Staged/StateRoot with -v and nothing booted without TSOSTREE_BOOTED', async () => {
    const r = await runCli(['status', '-v', `--sysroot=${root}`]);
    expect(r.stdout).toContain('AutomaticUpdates: disabled\n');
    expect(r.stdout).toContain('                    Staged: no\n                 StateRoot: os\n');
    expect(r.stdout).not.toContain('●');
  });

  it('fails clearly on a missing sysroot and a bad TSOSTREE_BOOTED', async () => {
    const r = await runCli(['status', `--sysroot=${join(work, 'none')}`]);
    expect(r).toEqual({ status: 3, stdout: '', stderr: `error: sysroot ${join(work, 'none')} does not exist\n` });
    const bad = await runCli(['status', `--sysroot=${root}`], { TSOSTREE_BOOTED: 'x' });
    expect(bad.status).toBe(2);
    const cmdline = await runCli(['status', `--sysroot=${root}`], { TSOSTREE_BOOTED: 'quiet ostree=/ostree/boot.9/../../../etc' });
    expect(cmdline.status).not.toBe(0);
    expect(cmdline.status).not.toBe(70);
    expect(cmdline.stderr).toMatch(/^error: /);
  });
});
