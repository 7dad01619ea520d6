// Upgrades, rebases and ostree admin upgrade from a remote: the sysroot repository pulls `remote:ref`
// from an archive repository (file:// URL, the same pull path as HTTP) before deploying.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSampleOsTree } from '../../test/sample-os.js';
import { runCli } from '../../test/run-cli.js';
import { removeTree, tempDir } from '../../test/sysroot-fixture.js';

let work: string;
let server: string;
let root: string;
let n = 0;

async function ok(args: string[]): Promise<string> {
  const r = await runCli(args);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.status, args.join(' ')).toBe(0);
  return r.stdout;
}

async function publish(version: string, ref = 'os/stable'): Promise<string> {
  const tree = join(work, `tree-${n++}`);
  await writeSampleOsTree(tree, { version });
  return (await ok(['ostree', 'commit', `--repo=${server}`, `--branch=${ref}`, `--subject=v${version}`, `--add-metadata-string=version=${version}`, `--tree=dir=${tree}`])).trim();
}

const S = () => `--sysroot=${root}`;
const firstDeployment = async () => JSON.parse(await ok(['status', S(), '--json'])).deployments[0];

beforeAll(async () => {
  work = await tempDir('cli-upgrade-remote');
  server = join(work, 'server');
  root = join(work, 'sysroot');
  await ok(['ostree', 'init', `--repo=${server}`, '--mode=archive']);
  await publish('1');
  await mkdir(root);
  await ok(['ostree', 'admin', 'init-fs', root]);
  await ok(['ostree', 'admin', 'os-init', S(), 'os']);
  await ok(['ostree', 'remote', 'add', `--repo=${join(root, 'ostree/repo')}`, '--no-gpg-verify', 'origin', `file://${server}`]);
  await ok(['ostree', 'pull', `--repo=${join(root, 'ostree/repo')}`, 'origin', 'os/stable']);
  await ok(['ostree', 'admin', 'deploy', S(), '--os=os', 'origin:os/stable']);
});
afterAll(async () => {
  await removeTree(work);
});

describe('updates from a remote', () => {
  it('tsostree upgrade pulls the new commit, then deploys it', async () => {
    const v2 = await publish('2');
    expect(await ok(['upgrade', S(), '--os=os', '--check'])).toContain(`Commit: ${v2}\n`);
    await ok(['upgrade', S(), '--os=os']);
    expect(await firstDeployment()).toMatchObject({ checksum: v2, origin: 'origin:os/stable', version: '2' });
  });

  it('-C uses only what was already pulled', async () => {
    const v3 = await publish('3');
    expect(await ok(['upgrade', S(), '--os=os', '-C'])).toBe('No upgrade available.\n');
    await ok(['ostree', 'admin', 'upgrade', S(), '--os=os']);
    expect(await firstDeployment()).toMatchObject({ checksum: v3, version: '3' });
    expect(await ok(['ostree', 'admin', 'upgrade', S(), '--os=os'])).toBe('No update available.\n');
  });

  it('tsostree rebase pulls the other branch; deploy finds an older version', async () => {
    const other = await publish('20', 'os/next');
    await ok(['rebase', S(), '--os=os', 'origin:os/next']);
    expect(await firstDeployment()).toMatchObject({ checksum: other, origin: 'origin:os/next' });
    await ok(['rebase', S(), '--os=os', 'origin:os/stable', 'version=2']);
    expect(await firstDeployment()).toMatchObject({ origin: 'origin:os/stable', version: '2' });
  });

  it('a remote that cannot be reached is a clear error', async () => {
    await ok(['ostree', 'remote', 'add', `--repo=${join(root, 'ostree/repo')}`, '--no-gpg-verify', 'gone', `file://${join(work, 'nowhere')}`]);
    const r = await runCli(['rebase', S(), '--os=os', 'gone:os/stable']);
    expect(r.status).not.toBe(0);
    expect(r.status).not.toBe(70);
    expect(r.stderr).toMatch(/^error: /);
    const unknown = await runCli(['rebase', S(), '--os=os', 'nosuchremote:os/stable']);
    expect(unknown.status).toBe(3);
  });
});
