// rpm-ostree's client verbs end to end on temp sysroots: upgrade, deploy, rollback, kargs, rebase, cleanup.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSampleOsTree } from '../../test/sample-os.js';
import { runCli } from '../../test/run-cli.js';
import { removeTree, tempDir } from '../../test/sysroot-fixture.js';

let work: string;
let root: string;
let repo: string;
let n = 0;

async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await runCli(args, env);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.status, args.join(' ')).toBe(0);
  return r.stdout;
}

/** Commits sample OS `version` on `ref` through our own CLI; returns the checksum. */
async function commit(version: string, ref = 'os/stable'): Promise<string> {
  const tree = join(work, `tree-${n++}`);
  await writeSampleOsTree(tree, { version });
  return (await ok(['ostree', 'commit', `--repo=${repo}`, `--branch=${ref}`, `--subject=v${version}`, `--add-metadata-string=version=${version}`, `--tree=dir=${tree}`])).trim();
}

async function adminStatus(env: Record<string, string> = {}): Promise<string> {
  return ok(['ostree', 'admin', 'status', `--sysroot=${root}`], env);
}

let v1: string;
let v2: string;
beforeAll(async () => {
  work = await tempDir('cli-rpm-ostree');
  root = join(work, 'sysroot');
  repo = join(root, 'ostree/repo');
  await mkdir(root);
  await ok(['ostree', 'admin', 'init-fs', root]);
  await ok(['ostree', 'admin', 'os-init', `--sysroot=${root}`, 'os']);
  v1 = await commit('1');
  await ok(['ostree', 'admin', 'deploy', `--sysroot=${root}`, '--os=os', '--karg=root=LABEL=os', 'os/stable']);
});
afterAll(async () => {
  await removeTree(work);
});

const S = () => `--sysroot=${root}`;

describe('tsostree upgrade', () => {
  it('needs a booted deployment or --os', async () => {
    const r = await runCli(['upgrade', S()]);
    expect(r).toEqual({ status: 2, stdout: '', stderr: 'error: Not currently booted into an OSTree system and no --os= argument given\n' });
  });

  it('says when there is nothing new, with rpm-ostree\'s exit 77 when asked', async () => {
    expect(await ok(['upgrade', S(), '--os=os'])).toBe('No upgrade available.\n');
    expect(await runCli(['upgrade', S(), '--os=os', '--unchanged-exit-77'])).toEqual({ status: 77, stdout: 'No upgrade available.\n', stderr: '' });
    expect(await runCli(['upgrade', S(), '--os=os', '--check'])).toEqual({ status: 77, stdout: 'No updates available.\n', stderr: '' });
  });

  it('shows and then deploys a new commit of the origin', async () => {
    v2 = await commit('2');
    expect(await ok(['upgrade', S(), '--os=os', '--check'])).toMatch(new RegExp(`^AvailableUpdate:\\n {8}Version: 2 \\(.*Z\\)\\n {9}Commit: ${v2}\\n$`));
    const out = await ok(['upgrade', S(), '--os=os']);
    expect(out).toMatch(/^Copying \/etc changes: 0 modified, 0 removed, 0 added\nBootloader updated; bootconfig swap: yes; bootversion: boot\.\d\.\d, deployment count change: 1\n/);
    expect(out).toMatch(/Run "systemctl reboot" to start a reboot\n$/);
    expect(await adminStatus()).toMatch(new RegExp(`^  os ${v2}\\.0\\n {4}Version: 2\\n`));
  });
});

describe('tsostree deploy', () => {
  it('deploys an older version from the branch history, pinned with override-commit', async () => {
    await ok(['deploy', S(), '--os=os', 'version=1']);
    const json = JSON.parse(await ok(['status', S(), '--json']));
    expect(json.deployments[0].checksum).toBe(v1);
    expect(await ok(['deploy', S(), '--os=os', '1'])).toBe('No change.\n');
    // upgrade leaves the override behind and goes to the newest commit again
    await ok(['upgrade', S(), '--os=os', '--allow-downgrade']);
    expect(JSON.parse(await ok(['status', S(), '--json'])).deployments[0].checksum).toBe(v2);
  });

  it('deploys by checksum, and refuses unknown versions, commits and bad revisions', async () => {
    await ok(['deploy', S(), '--os=os', `revision=${v1}`]);
    const unknown = await runCli(['deploy', S(), '--os=os', '9']);
    expect(unknown).toEqual({ status: 3, stdout: '', stderr: 'error: Version 9 not found in os/stable\n' });
    const missing = await runCli(['deploy', S(), '--os=os', '0'.repeat(64)]);
    expect(missing.status).toBe(3);
    expect((await runCli(['deploy', S(), '--os=os', 'revision=../../x'])).status).toBe(2);
    expect((await runCli(['deploy', S(), '--os=../../etc', '1'])).status).toBe(2);
  });
});

describe('tsostree rollback', () => {
  it('makes the other deployment the default', async () => {
    const before = (await adminStatus()).match(/^ {2}os (\S+)$/gm)!;
    const out = await ok(['rollback', S(), '--os=os']);
    expect(out).toMatch(/^Moving '[0-9a-f]{64}\.\d' to be first deployment\n.*bootconfig swap: (yes|no).*\nRun "systemctl reboot" to start a reboot\n$/);
    const after = (await adminStatus()).match(/^ {2}os (\S+)$/gm)!;
    expect(after).toEqual([before[1], before[0]]);
  });

  it('refuses --reboot, and a sysroot that does not exist', async () => {
    expect((await runCli(['rollback', S(), '--os=os', '-r'])).status).toBe(10);
    expect((await runCli(['rollback', `--sysroot=${join(work, 'missing')}`])).status).toBe(3);
  });
});

describe('tsostree kargs', () => {
  it('prints the arguments, and makes a new deployment to change them', async () => {
    const current = await ok(['kargs', S(), '--os=os']);
    expect(current).toMatch(/^root=LABEL=os ostree=\/ostree\/boot\.\d\/os\/[0-9a-f]{64}\/\d\n$/);
    const count = (await adminStatus()).match(/^ {2}os /gm)!.length;
    const out = await ok(['kargs', S(), '--os=os', '--append=console=ttyS0', '--append=quiet']);
    expect(out).toMatch(/Kernel arguments updated\.\nRun "systemctl reboot" to start a reboot\n$/);
    await ok(['kargs', S(), '--os=os', '--replace=console=ttyS0=ttyS1', '--delete=quiet']);
    expect(await ok(['kargs', S(), '--os=os'])).toMatch(/^root=LABEL=os ostree=\S+ console=ttyS1\n$/);
    expect((await adminStatus()).match(/^ {2}os /gm)!.length).toBe(Math.max(count, 2));
    const same = await runCli(['kargs', S(), '--os=os', '--append-if-missing=console=ttyS0', '--unchanged-exit-77']);
    expect(same).toEqual({ status: 77, stdout: 'Kernel arguments unchanged.\n', stderr: '' });
    const absent = await runCli(['kargs', S(), '--os=os', '--delete=nosuch']);
    expect(absent.status).not.toBe(0);
    expect(absent.status).not.toBe(70);
    expect(absent.stderr).toMatch(/^error: /);
  });
});

describe('tsostree rebase', () => {
  it('switches the origin to another branch', async () => {
    const other = await commit('10', 'os/other');
    await ok(['rebase', S(), '--os=os', 'os/other']);
    const json = JSON.parse(await ok(['status', S(), '--json']));
    expect(json.deployments[0]).toMatchObject({ checksum: other, origin: 'os/other', version: '10' });
    expect((await runCli(['rebase', S(), '--os=os', 'bad ref'])).status).toBe(2);
    expect((await runCli(['rebase', S(), '--os=os', 'os/none'])).status).toBe(3);
  });
});

describe('tsostree cleanup', () => {
  it('needs an option, removes the rollback deployment, prunes', async () => {
    expect(await runCli(['cleanup', S()])).toEqual({ status: 2, stdout: '', stderr: 'error: At least one cleanup option must be specified\n' });
    await ok(['cleanup', S(), '--os=os', '-r']);
    expect((await adminStatus()).match(/^ {2}os /gm)).toHaveLength(1);
    expect(await ok(['cleanup', S(), '--os=os', '-r'])).toBe('Deployments unchanged.\n');
    await ok(['cleanup', S(), '--os=os', '-b', '-m']);
  });
});

describe('staged deployments (booted system)', () => {
  it('upgrade stages when booted; finalize-staged merges /etc then', async () => {
    const booted = (await adminStatus()).match(/^ {2}os (\S+)$/m)![1]!;
    const env = { TSOSTREE_BOOTED: booted };
    await writeFile(join(root, 'ostree/deploy/os/deploy', booted, 'etc/local.conf'), 'mine\n');
    await commit('11', 'os/other');
    const out = await ok(['upgrade', S()], env);
    expect(out).toContain('Staging deployment... done\n');
    expect(out).not.toContain('Copying /etc changes');
    expect(await adminStatus(env)).toMatch(/^ {2}os \S+ \(staged\)\n {4}Version: 11\n[\s\S]*\n\* os /);
    const refused = await runCli(['rollback', S()], env);
    expect(refused).toEqual({ status: 9, stdout: '', stderr: 'error: Staged deployment (remove with cleanup -p)\n' });
    expect((await runCli(['ostree', 'admin', 'kargs', 'edit-in-place', S(), '--append-if-missing=x'], env)).status).toBe(9);
    const fin = await ok(['ostree', 'admin', 'finalize-staged', S()], env);
    expect(fin).toContain('Copying /etc changes: 0 modified, 0 removed, 1 added\n');
    expect(await adminStatus(env)).toMatch(/^ {2}os \S+ \(pending\)\n {4}Version: 11\n/);
    // rollback with a pending deployment above the booted one puts the booted one back on top
    expect(await ok(['rollback', S()], env)).toMatch(new RegExp(`^Moving '${booted.replace('.', '\\.')}' to be first deployment\n`));
    expect(await adminStatus(env)).toMatch(/^\* os \S+\n[\s\S]*\n {2}os \S+ \(rollback\)\n {4}Version: 11\n/);
    // and rolling back again goes to version 11 (now the rollback deployment)
    await ok(['rollback', S()], env);
    expect(await adminStatus(env)).toMatch(/^ {2}os \S+ \(pending\)\n {4}Version: 11\n/);
    // cleanup -p drops a staged deployment
    await commit('12', 'os/other');
    await ok(['upgrade', S()], env);
    expect(await adminStatus(env)).toContain('(staged)');
    await ok(['cleanup', '-p', S()], env);
    const after = await adminStatus(env);
    expect(after).not.toContain('(staged)');
    expect(after).not.toContain('Version: 12');
  });
});
