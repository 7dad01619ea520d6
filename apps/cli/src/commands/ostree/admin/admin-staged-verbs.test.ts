// `ostree admin deploy --stage` / `finalize-staged` / `status` on a booted machine, differential:
// the real ostree runs booted into a deployment of one sysroot (a private mount namespace, see
// @tsostree/sysroot/testing), tsostree on a twin sysroot told which deployment is booted with
// TSOSTREE_BOOTED. Every command prints the same and the sysroots (with their run/) end up the same.
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bootedAdmin } from '@tsostree/sysroot/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test/run-cli.js';
import { commitSample, realSysroot, removeTree, tempDir, treeManifest } from '../../../../test/sysroot-fixture.js';

const exec = promisify(execFile);
let work: string;
let real: string;
let ours: string;
/** `<checksum>.<serial>` of the deployment both machines run. */
let booted = '';

/** Runs `ostree admin <args>` on both machines, booted; both must succeed and print the same. */
async function same(args: string[], oursArgs: string[] = args): Promise<string> {
  const r = bootedAdmin({ sysroot: real, deployment: `ostree/deploy/os/deploy/${booted}`, runDir: join(real, 'run') }, args);
  const o = await runCli(['ostree', 'admin', oursArgs[0]!, `--sysroot=${ours}`, ...oursArgs.slice(1)], { TSOSTREE_BOOTED: `os:${booted}` });
  expect(r.status, `real ostree admin ${args.join(' ')}: ${r.stderr}`).toBe(0);
  expect(o.stderr, `ours: ostree admin ${args.join(' ')}`).toBe('');
  expect(o.status).toBe(0);
  expect(o.stdout, `stdout of ostree admin ${args.join(' ')}`).toBe(r.stdout);
  return r.stdout;
}

async function commitBoth(version: string, day: string): Promise<string> {
  const opts = { version, rootfs: true, timestamp: `2026-02-${day}T00:00:00Z` };
  const a = await commitSample(work, join(real, 'ostree/repo'), 'os/stable', opts);
  const b = await commitSample(work, join(ours, 'ostree/repo'), 'os/stable', opts);
  expect(b).toBe(a);
  return a;
}

const manifest = (root: string) => treeManifest(root, (p) => p === 'ostree/repo' || p.startsWith('ostree/repo/'));

beforeAll(async () => {
  work = await tempDir('cli-admin-staged');
  real = join(work, 'real');
  ours = join(work, 'ours');
  await realSysroot(real);
  await mkdir(ours);
  expect((await runCli(['ostree', 'admin', 'init-fs', ours])).status).toBe(0);
  expect((await runCli(['ostree', 'admin', 'os-init', `--sysroot=${ours}`, 'os'])).status).toBe(0);
  for (const root of [real, ours]) await writeFile(join(root, 'run/ostree-booted'), '');
});
afterAll(async () => {
  await removeTree(work);
});

describe('ostree admin on a booted machine: staging, differential', () => {
  it('deploys (not booted yet), then both machines run that deployment', async () => {
    const v1 = await commitBoth('1', '01');
    const r = await exec('ostree', ['admin', 'deploy', `--sysroot=${real}`, '--os=os', '--karg=root=LABEL=demo', 'os/stable']);
    const o = await runCli(['ostree', 'admin', 'deploy', `--sysroot=${ours}`, '--os=os', '--karg=root=LABEL=demo', 'os/stable']);
    expect(o.stdout).toBe(r.stdout);
    booted = `${v1}.0`;
    expect(await same(['status'])).toMatch(/^\* os [0-9a-f]{64}\.0\n {4}Version: 1\n/);
    expect(await manifest(ours)).toEqual(await manifest(real));
  });

  it('deploy --stage after local /etc edits, status shows it staged, finalize-staged merges /etc then', async () => {
    const etc = (root: string) => join(root, 'ostree/deploy/os/deploy', booted, 'etc');
    for (const root of [real, ours]) {
      await writeFile(join(etc(root), 'demo.conf'), 'log_level=debug\n');
      await rm(join(etc(root), 'hostname'));
    }
    await commitBoth('2', '02');
    await same(['deploy', '--stage', '--os=os', '--karg-append=quiet', 'os/stable']);
    expect(await same(['status'])).toMatch(/^ {2}os [0-9a-f]{64}\.0 \(staged\)\n/);
    expect(await manifest(ours)).toEqual(await manifest(real));
    for (const root of [real, ours]) await writeFile(join(etc(root), 'late.conf'), 'late\n');
    expect(await same(['finalize-staged'])).toContain('Copying /etc changes: 1 modified, 1 removed, 1 added\n');
    expect(await same(['status'])).toMatch(/^ {2}os [0-9a-f]{64}\.0 \(pending\)\n/);
    expect(await manifest(ours)).toEqual(await manifest(real));
  });

  it('--lock-finalization: finalize-staged prints nothing and leaves it; undeploy 0 drops it', async () => {
    await same(['deploy', '--stage', '--lock-finalization', '--os=os', 'os/stable']);
    // What ostree refuses on a booted machine with a staged deployment, with its words.
    for (const args of [['pin', '0'], ['undeploy', '2']]) {
      const r = bootedAdmin({ sysroot: real, deployment: `ostree/deploy/os/deploy/${booted}`, runDir: join(real, 'run') }, args);
      const o = await runCli(['ostree', 'admin', args[0]!, `--sysroot=${ours}`, ...args.slice(1)], { TSOSTREE_BOOTED: `os:${booted}` });
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(o.status, args.join(' ')).not.toBe(0);
      expect(o.stderr).toBe(r.stderr);
      expect(o.stdout).toBe(r.stdout);
    }
    expect(await same(['finalize-staged'])).toBe('');
    expect(await same(['status'])).toContain('(staged)');
    expect(await manifest(ours)).toEqual(await manifest(real));
    expect(await same(['undeploy', '0'])).toMatch(/^Deleted deployment [0-9a-f]{64}\.1\n/m);
    expect(await same(['status'])).not.toContain('(staged)');
    expect(await manifest(ours)).toEqual(await manifest(real));
  });

  it('--overlay-initrd: the overlay goes to run/ostree/staged-initrds, then into /boot and the entry at finalization', async () => {
    for (const root of [real, ours]) await writeFile(join(root, 'run/overlay.img'), 'overlay initrd\n');
    // The real ostree sees its run directory as /run.
    await same(['deploy', '--stage', '--os=os', '--overlay-initrd=/run/overlay.img', 'os/stable'], ['deploy', '--stage', '--os=os', `--overlay-initrd=${join(ours, 'run/overlay.img')}`, 'os/stable']);
    expect(await manifest(ours)).toEqual(await manifest(real));
    await same(['finalize-staged']);
    expect(await same(['status'])).toMatch(/^ {2}os [0-9a-f]{64}\.\d \(pending\)\n/);
    expect((await manifest(real)).filter((l) => l.startsWith('boot/ostree/initramfs-overlays/'))).toHaveLength(1);
    expect(await manifest(ours)).toEqual(await manifest(real));
  });
});
