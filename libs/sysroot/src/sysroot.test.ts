import { mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitTree, ostree, scratch, writeTree } from '../test/ostree-cli.js';
import { snapshotLines, snapshotTree } from '../test/tree-snapshot.js';
import { Sysroot, initFs, initStateroot, serializeStagedDeployment } from './index.js';

describe('Sysroot over a sysroot written by real ostree admin', () => {
  const work = scratch('load');
  const root = join(work.path, 'sysroot');
  const repo = join(root, 'ostree/repo');
  let c1 = '';
  let c2 = '';

  beforeAll(() => {
    mkdirSync(root);
    ostree(['admin', 'init-fs', root]);
    ostree(['admin', 'os-init', `--sysroot=${root}`, 'testos']);
    writeTree(join(work.path, 't1'));
    writeTree(join(work.path, 't2'), { kernelSalt: 'v2' });
    c1 = commitTree(repo, 'testos/stable', join(work.path, 't1'), '1.0');
    ostree(['admin', 'deploy', `--sysroot=${root}`, '--os=testos', '--karg=root=/dev/vda', '--karg=quiet', 'testos/stable']);
    c2 = commitTree(repo, 'testos/stable', join(work.path, 't2'), '2.0');
    ostree(['admin', 'deploy', `--sysroot=${root}`, '--os=testos', 'testos/stable']);
    ostree(['admin', 'pin', `--sysroot=${root}`, '1']);
  });
  afterAll(() => work.cleanup());

  it('loads boot version, deployments in boot order, origins, kargs and pins', async () => {
    const s = await Sysroot.open(root);
    expect(s.bootVersion).toBe(0);
    expect(s.subbootVersion).toBe(1);
    expect(s.deployments.map((d) => [d.index, d.stateroot, d.checksum, d.serial, d.version, d.pinned])).toEqual([
      [0, 'testos', c2, 0, '2.0', false],
      [1, 'testos', c1, 0, '1.0', true],
    ]);
    const [d0, d1] = s.deployments;
    expect(d0!.refspec).toBe('testos/stable');
    expect(d0!.origin?.getString('origin', 'refspec')).toBe('testos/stable');
    expect(d0!.kernelArgs).toBe(`root=/dev/vda quiet ostree=/ostree/boot.0/testos/${d0!.bootcsum}/0`);
    expect(d0!.bootcsum).not.toBe(d1!.bootcsum);
    expect(d0!.entryFilename).toBe('ostree-2-testos.conf');
    expect(d0!.path).toBe(`ostree/deploy/testos/deploy/${c2}.0`);
    expect(s.booted).toBeUndefined();
    expect(s.staged).toBeUndefined();
    // Merge deployment without a booted one: the first of the stateroot.
    expect(s.mergeDeployment('testos')?.checksum).toBe(c2);
    expect(s.queryDeploymentsFor('testos').pending?.checksum).toBe(c2);
    expect(() => s.mergeDeployment()).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(await s.listStateroots()).toEqual(['testos']);
  });

  it('finds the booted deployment from the ostree= kernel argument', async () => {
    const plain = await Sysroot.open(root);
    const cmdline = `BOOT_IMAGE=/vmlinuz ${plain.deployments[1]!.kernelArgs}\n`;
    const s = await Sysroot.open(root, { booted: { cmdline } });
    expect(s.booted?.checksum).toBe(c1);
    expect(s.deployments.map((d) => d.booted)).toEqual([false, true]);
    // Booted is the merge deployment; the deployment before it is pending, none after it.
    expect(s.mergeDeployment()?.checksum).toBe(c1);
    expect(s.queryDeploymentsFor().pending?.checksum).toBe(c2);
    expect(s.queryDeploymentsFor().rollback).toBeUndefined();
  });

  it('finds the booted deployment by device/inode of a root directory', async () => {
    const s = await Sysroot.open(root, { booted: { rootDir: join(root, `ostree/deploy/testos/deploy/${c2}.0`) } });
    expect(s.booted?.checksum).toBe(c2);
    expect(s.queryDeploymentsFor().rollback?.checksum).toBe(c1);
  });

  it('refuses hostile ostree= values and dangling boot links', async () => {
    await expect(Sysroot.open(root, { booted: { cmdline: 'ostree=/ostree/boot.0/../../etc/0' } })).rejects.toMatchObject({ code: 'Parse' });
    await expect(
      Sysroot.open(root, { booted: { cmdline: `ostree=/ostree/boot.1/testos/${'c'.repeat(64)}/0` } }),
    ).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('reads a staged deployment only on a booted system', async () => {
    const plain = await Sysroot.open(root);
    const d0 = plain.deployments[0]!;
    const run = join(work.path, 'run');
    mkdirSync(join(run, 'ostree'), { recursive: true });
    writeFileSync(
      join(run, 'ostree/staged-deployment'),
      serializeStagedDeployment({ target: { stateroot: 'testos', checksum: c1, serial: 0, bootcsum: d0.bootcsum }, kargs: ['root=/dev/vda', 'x=1'], locked: true }),
    );
    const unbooted = await Sysroot.open(root, { runDir: run });
    expect(unbooted.staged).toBeUndefined();
    const s = await Sysroot.open(root, { runDir: run, booted: { cmdline: d0.kernelArgs } });
    expect(s.staged).toMatchObject({ index: 0, staged: true, checksum: c1, kernelArgs: 'root=/dev/vda x=1', finalizationLocked: true });
    expect(s.deployments.map((d) => d.index)).toEqual([0, 1, 2]);
    writeFileSync(join(run, 'ostree/staged-deployment'), 'garbage');
    await expect(Sysroot.open(root, { runDir: run, booted: { cmdline: d0.kernelArgs } })).rejects.toMatchObject({ code: 'Parse' });
    rmSync(join(run, 'ostree/staged-deployment'));
  });

  it('refuses a boot/loader symlink to anything but loader.0/loader.1', async () => {
    const copy = join(work.path, 'bad');
    mkdirSync(join(copy, 'boot'), { recursive: true });
    symlinkSync('/etc', join(copy, 'boot/loader'));
    await expect(Sysroot.open(copy)).rejects.toMatchObject({ code: 'Corrupt' });
    rmSync(join(copy, 'boot/loader'));
    writeFileSync(join(copy, 'boot/loader'), 'x');
    await expect(Sysroot.open(copy)).rejects.toMatchObject({ code: 'Corrupt' });
  });

  it('refuses an entry whose ostree= link points at a bad deployment name', async () => {
    const s = await Sysroot.open(root);
    const d0 = s.deployments[0]!;
    const link = join(root, `ostree/boot.0/testos/${d0.bootcsum}/0`);
    const target = readlinkSync(link);
    rmSync(link);
    symlinkSync('../../../deploy/testos/deploy/../../../../etc', link);
    try {
      await expect(Sysroot.open(root)).rejects.toMatchObject({ code: 'Parse' });
    } finally {
      rmSync(link);
      symlinkSync(target, link);
    }
    expect(readFileSync(join(root, 'boot/loader/entries/ostree-1-testos.conf'), 'utf8')).toContain('ostree=');
  });

  it('an empty directory is a sysroot with nothing deployed', async () => {
    const empty = join(work.path, 'empty');
    mkdirSync(empty);
    const s = await Sysroot.open(empty);
    expect(s.deployments).toEqual([]);
    expect(s.bootVersion).toBe(0);
    await expect(Sysroot.open('relative/path')).rejects.toMatchObject({ code: 'InvalidArgument' });
  });
});

describe('initFs / initStateroot against ostree admin init-fs / os-init', () => {
  it('create the same trees', async () => {
    const work = scratch('init');
    try {
      const theirs = join(work.path, 'theirs');
      const ours = join(work.path, 'ours');
      mkdirSync(theirs);
      ostree(['admin', 'init-fs', theirs]);
      ostree(['admin', 'os-init', `--sysroot=${theirs}`, 'fedora']);
      await initFs(ours);
      await initStateroot(ours, 'fedora');
      expect(snapshotLines(snapshotTree(ours))).toEqual(snapshotLines(snapshotTree(theirs)));
      await expect(initStateroot(ours, 'fedora')).rejects.toMatchObject({ code: 'Conflict' });
      await expect(initStateroot(ours, '../x')).rejects.toMatchObject({ code: 'InvalidArgument' });
      // --modern
      const theirsM = join(work.path, 'theirs-m');
      const oursM = join(work.path, 'ours-m');
      mkdirSync(theirsM);
      ostree(['admin', 'init-fs', '--modern', theirsM]);
      await initFs(oursM, { modern: true });
      expect(snapshotLines(snapshotTree(oursM))).toEqual(snapshotLines(snapshotTree(theirsM)));
    } finally {
      work.cleanup();
    }
  });

  it('keep the mode of an existing repository, as ostree does (a bare-user-only sysroot needs no root)', async () => {
    const work = scratch('init-mode');
    try {
      for (const who of ['theirs', 'ours']) {
        const root = join(work.path, who);
        mkdirSync(join(root, 'ostree'), { recursive: true });
        ostree(['init', `--repo=${join(root, 'ostree/repo')}`, '--mode=bare-user-only']);
        if (who === 'theirs') {
          ostree(['admin', 'init-fs', root]);
          ostree(['admin', 'os-init', `--sysroot=${root}`, 'fedora']);
        } else {
          await initFs(root);
          await initStateroot(root, 'fedora');
        }
        expect(readFileSync(join(root, 'ostree/repo/config'), 'utf8'), who).toMatch(/^mode=bare-user-only$/m);
      }
      expect(snapshotLines(snapshotTree(join(work.path, 'ours')))).toEqual(snapshotLines(snapshotTree(join(work.path, 'theirs'))));
    } finally {
      work.cleanup();
    }
  });
});
