// The sample OS tree: deterministic, committed to the same checksum by tsostree and real ostree.
import { execFile } from 'node:child_process';
import { lstat, mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { SAMPLE_KERNEL_VERSION, writeSampleOsTree } from './sample-os.js';

const run = promisify(execFile);
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tsostree-sample-os-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('writeSampleOsTree', () => {
  it('writes an OS tree with a kernel, an initramfs, os-release and /usr/etc defaults', async () => {
    const tree = join(work, 'layout');
    await writeSampleOsTree(tree, { version: '7' });
    const kdir = join(tree, 'usr/lib/modules', SAMPLE_KERNEL_VERSION);
    expect((await lstat(join(kdir, 'vmlinuz'))).isFile()).toBe(true);
    expect((await lstat(join(kdir, 'initramfs.img'))).isFile()).toBe(true);
    expect(await readFile(join(tree, 'usr/lib/os-release'), 'utf8')).toContain('VERSION="7"\n');
    expect(await readlink(join(tree, 'usr/etc/os-release'))).toBe('../usr/lib/os-release');
    expect((await lstat(join(tree, 'usr/bin/hello'))).mode & 0o7777).toBe(0o755);
    expect(await readFile(join(tree, 'usr/etc/motd'), 'utf8')).toContain(' 7.');
  });

  it('commits to the same checksum with tsostree and with real ostree, whatever the umask', async () => {
    const tree = join(work, 'diff');
    const old = process.umask(0o077);
    try {
      await writeSampleOsTree(tree, { version: '1', extraFiles: { 'usr/share/extra.txt': 'x\n' } });
    } finally {
      process.umask(old);
    }
    const repo = join(work, 'repo');
    await run('ostree', ['init', `--repo=${repo}`, '--mode=bare-user']);
    const common = ['--no-bindings', '--subject=s', '--timestamp=2026-01-01T00:00:00Z', '--add-metadata-string=version=1', `--tree=dir=${tree}`];
    const real = (await run('ostree', ['commit', `--repo=${repo}`, '--branch=real', ...common])).stdout.trim();
    const ours = await runCli(['ostree', 'commit', `--repo=${repo}`, '--branch=ours', ...common]);
    expect(ours.stderr).toBe('');
    expect(real).toMatch(/^[0-9a-f]{64}$/);
    expect(ours.stdout.trim()).toBe(real);
  });

  it('refuses hostile versions and extra paths', async () => {
    await expect(writeSampleOsTree(join(work, 'bad1'), { version: '../1' })).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(writeSampleOsTree(join(work, 'bad2'), { version: '1', kernelVersion: 'a/b' })).rejects.toMatchObject({ code: 'InvalidArgument' });
    for (const path of ['../escape', '/abs', 'usr/../../x', 'usr//x']) {
      await expect(writeSampleOsTree(join(work, 'bad3'), { version: '1', extraFiles: { [path]: 'x' } })).rejects.toMatchObject({
        code: 'InvalidArgument',
      });
    }
    await expect(lstat(join(work, 'escape'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
