import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-compose-'));
  // One tiny package built by the real rpmbuild, in an rpm-md repo made by the real createrepo_c.
  const top = join(dir, 'build');
  const rpms = join(dir, 'rpms');
  await mkdir(top, { recursive: true });
  await mkdir(rpms);
  const spec = join(top, 'hello.spec');
  await writeFile(
    spec,
    [
      'Name: hello-compose',
      'Version: 1.0',
      'Release: 1',
      'Summary: cli compose fixture',
      'License: MIT',
      'BuildArch: noarch',
      '%description',
      'fixture',
      '%install',
      'mkdir -p %{buildroot}/usr/share/hello && echo hi > %{buildroot}/usr/share/hello/hi',
      '%files',
      '/usr/share/hello/hi',
      '',
    ].join('\n'),
  );
  run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', `_rpmdir ${rpms}`, spec]);
  run('createrepo_c', ['--quiet', '--no-database', rpms]);
  await mkdir(join(dir, 'config'));
  await writeFile(join(dir, 'config', 'hello.repo'), `[hello]\nbaseurl=${pathToFileURL(rpms).href}\n`);
  await writeFile(join(dir, 'config', 'tree.yaml'), 'ref: hello/x86_64\nrepos: [hello]\npackages: [hello-compose]\nautomatic-version-prefix: "1"\n');
  run('ostree', ['init', '--mode=archive', `--repo=${join(dir, 'repo')}`]);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('tsostree compose tree', () => {
  it('composes with --json progress events, then reports no changes, then commits when forced', async () => {
    const repo = join(dir, 'repo');
    const tf = join(dir, 'config', 'tree.yaml');
    const idFile = join(dir, 'commitid');
    const first = await runCli(['compose', 'tree', '--repo', repo, '--cachedir', join(dir, 'cache'), '--json', '--write-commitid-to', idFile, '--add-metadata-string', 'k=v', tf]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const events = first.stdout.trim().split('\n').map((l) => JSON.parse(l) as { phase: string; [k: string]: unknown });
    expect(events.map((e) => e.phase)).toEqual(expect.arrayContaining(['treefile', 'resolve', 'download', 'install', 'postprocess', 'commit', 'result']));
    const result = events.at(-1)!;
    expect(result).toMatchObject({ phase: 'result', changed: true, ref: 'hello/x86_64', version: '1', packages: ['hello-compose-1.0-1.noarch'] });
    expect(await readFile(idFile, 'utf8')).toBe(result['commit']);
    expect(run('ostree', ['show', `--repo=${repo}`, '--print-metadata-key=k', 'hello/x86_64']).trim()).toBe("'v'");

    const second = await runCli(['compose', 'tree', '--repo', repo, '--add-metadata-string', 'k=v', tf]);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/Resolving dependencies\.\.\. done \(1 packages\)\n/);
    expect(second.stdout).toMatch(/No apparent changes since previous commit; use --force-nocache to override\n$/);

    const third = await runCli(['compose', 'tree', '--repo', repo, '--add-metadata-string', 'k=v', '--force-nocache', tf]);
    expect(third.status).toBe(0);
    expect(third.stdout).toMatch(/Packages: 1 \(.*\), nothing to download\n/); // a file:// repository
    expect(third.stdout).toMatch(/Installing: 1\/1 hello-compose-1\.0-1\.noarch\n/);
    expect(third.stdout).toMatch(/Version: 1\.1\nWrote commit: [0-9a-f]{64}\n$/);
  }, 120_000);

  it('fails with a clear error on bad input', async () => {
    const tf = join(dir, 'config', 'tree.yaml');
    const noRepo = await runCli(['compose', 'tree', tf]);
    expect(noRepo.status).not.toBe(0);
    expect(noRepo.stderr).toMatch(/^error: compose tree requires --repo/);
    const badMeta = await runCli(['compose', 'tree', '--repo', join(dir, 'repo'), '--add-metadata-string', 'novalue', tf]);
    expect(badMeta.stderr).toMatch(/^error: --add-metadata-string expects KEY=VALUE/);
    await writeFile(join(dir, 'config', 'bad.yaml'), 'ref: x\nrepos: [hello]\npackagez: [a]\n');
    const bad = await runCli(['compose', 'tree', '--repo', join(dir, 'repo'), join(dir, 'config', 'bad.yaml')]);
    expect(bad.stderr).toMatch(/^error: .*bad\.yaml:3:1: unknown treefile key "packagez"\n/);
  });
});
