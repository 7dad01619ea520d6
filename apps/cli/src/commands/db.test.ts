// `tsostree db list` / `db diff` on commits made by the real ostree, whose rpmostree.rpmdb.pkglist metadata
// is written by ostree's own GVariant text parser (--add-metadata), and on a sysroot deployed by real ostree.
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSampleOsTree } from '../../test/sample-os.js';
import { runCli } from '../../test/run-cli.js';
import { ostree, realSysroot, removeTree, tempDir } from '../../test/sysroot-fixture.js';

let work: string;
let root: string;
let repo: string;
const c: Record<string, string> = {};

const V1 = "[('openssl-libs', '1', '3.0.9', '2.fc38', 'x86_64'), ('chrony', '0', '4.5', '1.fx', 'x86_64'), ('gone', '0', '1', '1', 'noarch'), ('bash', '0', '5.2.15', '1.fc38', 'x86_64')]";
const V2 = "[('bash', '0', '5.2.15', '1.fc38', 'x86_64'), ('chrony', '0', '4.6', '1.fx', 'x86_64'), ('openssl-libs', '1', '3.0.8', '1.fc38', 'x86_64'), ('zlib', '0', '1.2.13', '3.fc38', 'x86_64')]";

async function commit(ref: string, version: string, pkglist?: string): Promise<string> {
  const tree = join(work, `tree-${version}`);
  await rm(tree, { recursive: true, force: true });
  await writeSampleOsTree(tree, { version });
  const args = ['commit', `--repo=${repo}`, `--branch=${ref}`, `--subject=v${version}`, `--add-metadata-string=version=${version}`, `--tree=dir=${tree}`];
  if (pkglist) args.push(`--add-metadata=rpmostree.rpmdb.pkglist=${pkglist}`);
  return (await ostree(...args)).trim();
}

beforeAll(async () => {
  work = await tempDir('cli-db');
  root = join(work, 'sysroot');
  await realSysroot(root, 'os');
  repo = join(root, 'ostree/repo');
  c.v1 = await commit('os/stable', '1', V1);
  await ostree('admin', 'deploy', `--sysroot=${root}`, '--os=os', 'os/stable');
  c.v2 = await commit('os/stable', '2', V2);
  await ostree('admin', 'deploy', `--sysroot=${root}`, '--os=os', 'os/stable');
  c.bare = await commit('os/bare', '3');
});
afterAll(async () => {
  await removeTree(work);
});

describe('tsostree db', () => {
  it('db list prints each commit\'s packages in rpm-ostree\'s format', async () => {
    const r = await runCli(['db', 'list', `--repo=${repo}`, 'os/stable^', c.v2!]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      `ostree commit: os/stable^ (${c.v1})\n bash-5.2.15-1.fc38.x86_64\n chrony-4.5-1.fx.x86_64\n gone-1-1.noarch\n openssl-libs-1:3.0.9-2.fc38.x86_64\n` +
        `ostree commit: ${c.v2}\n bash-5.2.15-1.fc38.x86_64\n chrony-4.6-1.fx.x86_64\n openssl-libs-1:3.0.8-1.fc38.x86_64\n zlib-1.2.13-3.fc38.x86_64\n`,
    );
    const filtered = await runCli(['db', 'list', `--repo=${repo}`, 'os/stable', 'openssl*', 'zl']);
    expect(filtered.stdout).toBe(`ostree commit: os/stable (${c.v2})\n openssl-libs-1:3.0.8-1.fc38.x86_64\n zlib-1.2.13-3.fc38.x86_64\n`);
  });

  it('db diff FROM TO in block, diff and json formats', async () => {
    const r = await runCli(['db', 'diff', `--repo=${repo}`, c.v1!, 'os/stable']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      `ostree diff commit from: ${c.v1}\nostree diff commit to:   os/stable (${c.v2})\n` +
        'Upgraded:\n  chrony 4.5-1.fx -> 4.6-1.fx\nDowngraded:\n  openssl-libs 1:3.0.9-2.fc38 -> 1:3.0.8-1.fc38\nRemoved:\n  gone-1-1.noarch\nAdded:\n  zlib-1.2.13-3.fc38.x86_64\n',
    );
    const d = await runCli(['db', 'diff', `--repo=${repo}`, '--format=diff', c.v1!, c.v2!]);
    expect(d.stdout.split('\n').slice(2).join('\n')).toBe(
      '!chrony-4.5-1.fx.x86_64\n=chrony-4.6-1.fx.x86_64\n-gone-1-1.noarch\n!openssl-libs-1:3.0.9-2.fc38.x86_64\n=openssl-libs-1:3.0.8-1.fc38.x86_64\n+zlib-1.2.13-3.fc38.x86_64\n',
    );
    const j = await runCli(['db', 'diff', `--repo=${repo}`, '-F', 'json', c.v1!, c.v2!]);
    const doc = JSON.parse(j.stdout) as { 'ostree-commit-from': string; pkgdiff: [string, number, unknown][] };
    expect(doc['ostree-commit-from']).toBe(c.v1);
    expect(doc.pkgdiff.map(([n, t]) => `${t}:${n}`)).toEqual(['0:zlib', '1:gone', '2:chrony', '3:openssl-libs']);
  });

  it('db diff without arguments: booted against pending deployment', async () => {
    const r = await runCli(['db', 'diff', `--sysroot=${root}`], { TSOSTREE_BOOTED: `${c.v1}.0` });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').slice(0, 4)).toEqual([
      `ostree diff commit from: booted deployment (${c.v1})`,
      `ostree diff commit to:   pending deployment (${c.v2})`,
      'Upgraded:',
      '  chrony 4.5-1.fx -> 4.6-1.fx',
    ]);
    const rollback = await runCli(['db', 'diff', `--sysroot=${root}`], { TSOSTREE_BOOTED: `${c.v2}.0` });
    expect(rollback.stdout.split('\n').slice(0, 2)).toEqual([
      `ostree diff commit from: rollback deployment (${c.v1})`,
      `ostree diff commit to:   booted deployment (${c.v2})`,
    ]);
  });

  it('db version prints the count and hash of each commit', async () => {
    const r = await runCli(['db', 'version', `--repo=${repo}`, 'os/stable']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^ostree commit: os/stable \\(${c.v2}\\)\n  rpmdbv is: 4:[0-9a-f]{64}\n$`));
  });

  it('fails with clear errors', async () => {
    const bad = await runCli(['db', 'diff', `--repo=${repo}`, '--format=yaml', c.v1!, c.v2!]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toBe('error: Format argument is invalid, pick one of: diff, block, json\n');
    const none = await runCli(['db', 'diff', `--repo=${repo}`, c.v1!, 'os/bare']);
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/^error: commit [0-9a-f]{64} has no rpmostree\.rpmdb\.pkglist metadata and no rpm database/);
    const unknown = await runCli(['db', 'list', `--repo=${repo}`, 'nope']);
    expect(unknown.status).not.toBe(0);
  });
});
