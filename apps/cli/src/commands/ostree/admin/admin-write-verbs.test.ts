// The same `ostree admin` sequence on two sysroots, real ostree on one and tsostree on the other:
// every command prints the same and the sysroots end up with the same files.
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test/run-cli.js';
import { commitSample, ostree, removeTree, tempDir, treeManifest } from '../../../../test/sysroot-fixture.js';

const exec = promisify(execFile);
let work: string;
let real: string;
let ours: string;

async function realRun(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const r = await exec('ostree', args, { env: { ...process.env, LANG: 'C.UTF-8' } });
    return { status: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { status: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs `ostree admin <verb> --sysroot=… args` both ways; returns both results. */
async function both(verb: string, args: string[] = []) {
  const r = await realRun(['admin', verb, `--sysroot=${real}`, ...args]);
  const o = await runCli(['ostree', 'admin', verb, `--sysroot=${ours}`, ...args]);
  return { real: r, ours: o };
}

/** Both succeed and print the same. */
async function same(verb: string, args: string[] = []): Promise<string> {
  const { real: r, ours: o } = await both(verb, args);
  expect(r.status, `real ostree admin ${verb}: ${r.stderr}`).toBe(0);
  expect(o.stderr, `ours: ostree admin ${verb}`).toBe('');
  expect(o.status).toBe(0);
  expect(o.stdout, `stdout of ostree admin ${verb} ${args.join(' ')}`).toBe(r.stdout);
  return r.stdout;
}

async function commitBoth(version: string, day: string): Promise<string> {
  const a = await commitSample(work, join(real, 'ostree/repo'), 'os/stable', { version, timestamp: `2026-01-${day}T00:00:00Z` });
  const b = await commitSample(work, join(ours, 'ostree/repo'), 'os/stable', { version, timestamp: `2026-01-${day}T00:00:00Z` });
  expect(b).toBe(a);
  return a;
}

async function editEtc(root: string, deployName: string): Promise<void> {
  const etc = join(root, 'ostree/deploy/os/deploy', deployName, 'etc');
  await writeFile(join(etc, 'demo.conf'), 'log_level=debug\n');
  await rm(join(etc, 'hostname'));
  await writeFile(join(etc, 'local.conf'), 'mine\n');
}

const manifest = (root: string) => treeManifest(root, (p) => p === 'ostree/repo' || p.startsWith('ostree/repo/'));

beforeAll(async () => {
  work = await tempDir('cli-admin-write');
  real = join(work, 'real');
  ours = join(work, 'ours');
  await mkdir(real);
  await mkdir(ours);
  await ostree('admin', 'init-fs', real);
  await ostree('admin', 'os-init', `--sysroot=${real}`, 'os');
  expect((await runCli(['ostree', 'admin', 'init-fs', ours])).status).toBe(0);
  expect((await runCli(['ostree', 'admin', 'os-init', `--sysroot=${ours}`, 'os'])).status).toBe(0);
});
afterAll(async () => {
  await removeTree(work);
});

describe('ostree admin write verbs, differential', () => {
  let v1: string;
  let v2: string;

  it('deploy, then deploy again with /etc edits (the merge line and the swap line match)', async () => {
    v1 = await commitBoth('1', '01');
    const first = await same('deploy', ['--os=os', '--karg=root=LABEL=demo', '--karg=quiet', 'os/stable']);
    expect(first).toMatch(/deployment count change: 1\n$/);
    await editEtc(real, `${v1}.0`);
    await editEtc(ours, `${v1}.0`);
    v2 = await commitBoth('2', '02');
    const second = await same('deploy', ['--os=os', 'os/stable']);
    expect(second).toContain('Copying /etc changes: 1 modified, 1 removed, 1 added\n');
    await same('status');
    expect(await manifest(ours)).toEqual(await manifest(real));
  });

  it('pin and unpin, including the already-pinned messages', async () => {
    expect(await same('pin', ['1'])).toBe('Deployment 1 is now pinned\n');
    expect(await same('pin', ['1'])).toBe('Deployment 1 is already pinned\n');
    await same('status');
    await same('pin', ['--unpin', '1']);
    expect(await same('pin', ['-u', '1'])).toBe('Deployment 1 is already unpinned\n');
  });

  it('deploy with --retain and kernel argument edits, then undeploy', async () => {
    await same('deploy', ['--os=os', '--retain', '--karg-append=console=ttyS0', '--karg-delete=quiet', 'os/stable']);
    expect((await same('status')).match(/^  os /gm)).toHaveLength(3);
    const undeploy = await same('undeploy', ['2']);
    expect(undeploy).toContain(`Deleted deployment ${v1}.0\n`);
    await same('cleanup');
    expect(await manifest(ours)).toEqual(await manifest(real));
  });

  it('upgrade to a new commit of the origin, then find nothing new', async () => {
    await commitBoth('3', '03');
    await same('upgrade', ['--os=os']);
    expect(await same('upgrade', ['--os=os'])).toBe('No update available.\n');
    expect(await same('finalize-staged')).toBe('');
    await same('status');
    expect(await manifest(ours)).toEqual(await manifest(real));
    void v2;
  });

  it('fails like ostree on bad indexes and unknown refs', async () => {
    for (const [verb, args] of [
      ['undeploy', ['7']],
      ['pin', ['9']],
      ['pin', ['abc']],
      ['deploy', ['--os=os', 'no/such/ref']],
    ] as const) {
      const { real: r, ours: o } = await both(verb, [...args]);
      expect(r.status, `${verb} ${args.join(' ')}`).not.toBe(0);
      expect(o.status, `${verb} ${args.join(' ')}: ${o.stderr}`).not.toBe(0);
      expect(o.status).not.toBe(70);
      if (verb !== 'deploy') expect(o.stderr).toBe(r.stderr.split('\n')[0] + '\n');
      expect(o.stdout).toBe('');
    }
    expect(await manifest(ours)).toEqual(await manifest(real));
  });
});

describe('ostree admin write verbs, hostile input', () => {
  it('refuses bad refs, origin files, indexes and sysroot paths with clear errors, writing nothing', async () => {
    const before = await manifest(ours);
    const cases: [string[], number | null][] = [
      [['deploy', '--os=os', '../../../etc/passwd'], null],
      [['deploy', '--os=os', 'origin:../x'], null],
      [['deploy', '--os=../../tmp', 'os/stable'], 2],
      [['deploy', '--os=os', `--origin-file=${join(work, 'missing.origin')}`, 'os/stable'], 3],
      [['deploy', '--os=os', '--karg-none', '--karg-delete=quiet', 'os/stable'], 2],
      [['deploy', '--os=os', '--stage', '--not-as-default', 'os/stable'], 2],
      [['deploy', '--os=os', '--stage', 'os/stable'], 2], // nothing is booted
      [['undeploy', '-1'], null],
      [['undeploy', '99999999999999999999'], 3],
      [['pin', '1x'], 2],
      [['set-default', '5'], 3],
    ];
    for (const [args, status] of cases) {
      const r = await runCli(['ostree', 'admin', args[0]!, `--sysroot=${ours}`, ...args.slice(1)]);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).not.toBe(70);
      if (status !== null) expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(status);
      expect(r.stderr, args.join(' ')).toMatch(/^error: |^error:|Usage|unknown option/);
    }
    await writeFile(join(work, 'garbage.origin'), '\0\0[origin\nrefspec');
    const garbage = await runCli(['ostree', 'admin', 'deploy', `--sysroot=${ours}`, '--os=os', `--origin-file=${join(work, 'garbage.origin')}`, 'os/stable']);
    expect(garbage.status).toBe(4);
    expect(await manifest(ours)).toEqual(before);
    const empty = await runCli(['ostree', 'admin', 'status', '--sysroot=']);
    expect(empty.status).toBe(2);
  });
});
