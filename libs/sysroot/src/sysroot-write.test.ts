// Refusals and edge cases of the write side (our own sysroots), and the legacy / no-initramfs
// kernel layouts against the real ostree.
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBootable } from '../test/bootable.js';
import { commitTree, scratch, writeTree } from '../test/ostree-cli.js';
import { makePair } from '../test/pair.js';
import { Sysroot, findKernelLayout, initFs, initStateroot } from './index.js';

describe('write-side refusals', () => {
  const work = scratch('write');
  const root = join(work.path, 'sysroot');
  const repo = join(root, 'ostree/repo');

  beforeAll(async () => {
    await initFs(root);
    await initStateroot(root, 'testos');
    writeTree(join(work.path, 't1'));
    commitTree(repo, 'testos/stable', join(work.path, 't1'), '1');
    await (await Sysroot.open(root, { sync: false })).deploy('testos/stable', { stateroot: 'testos' });
  }, 60_000);
  afterAll(() => work.cleanup());

  const loaderState = (): string => `${readlinkSync(join(root, 'boot/loader'))} ${readFileSync(join(root, 'boot/loader/entries/ostree-1-testos.conf'), 'utf8')}`;

  it('refuses unknown stateroots, revisions and hostile stateroot names', async () => {
    const s = await Sysroot.open(root, { sync: false });
    const before = loaderState();
    await expect(s.deploy('testos/stable', { stateroot: 'nope' })).rejects.toMatchObject({ code: 'NotFound' });
    await expect(s.deploy('testos/nosuchref', { stateroot: 'testos' })).rejects.toMatchObject({ code: 'NotFound' });
    await expect(s.deploy('testos/stable', { stateroot: '../../etc' })).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(s.deploy('testos/stable')).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect(loaderState()).toBe(before);
  });

  it('a tree without a kernel, or with both /etc and /usr/etc, fails before the boot configuration changes', async () => {
    const noKernel = join(work.path, 'nokernel');
    mkdirSync(join(noKernel, 'usr/etc'), { recursive: true });
    writeFileSync(join(noKernel, 'usr/lib-os'), 'x');
    commitTree(repo, 'testos/nokernel', noKernel);
    const both = join(work.path, 'both');
    writeTree(both, { files: { 'etc/x.conf': 'x\n' } });
    commitTree(repo, 'testos/both', both);
    const s = await Sysroot.open(root, { sync: false });
    const before = loaderState();
    await expect(s.deploy('testos/nokernel', { stateroot: 'testos' })).rejects.toMatchObject({ code: 'NotFound', message: expect.stringContaining('Failed to find kernel') });
    await expect(s.deploy('testos/both', { stateroot: 'testos' })).rejects.toMatchObject({ code: 'Conflict', message: expect.stringContaining('both /etc and /usr/etc') });
    expect(loaderState()).toBe(before);
    await assertBootable(root);
    // The half-made deployment directories are garbage for cleanup.
    const r = await s.cleanup();
    expect(r.removedDeployments).toHaveLength(2);
  });

  it('never writes through a planted symlink', async () => {
    const outside = join(work.path, 'outside');
    mkdirSync(outside);
    const s = await Sysroot.open(root, { sync: false });
    await initStateroot(root, 'evil');
    symlinkSync(outside, join(root, 'ostree/deploy/evil/deploy'));
    await expect(s.deploy('testos/stable', { stateroot: 'evil' })).rejects.toMatchObject({ code: 'Conflict' });
    const bootOstree = join(root, 'boot/ostree');
    const saved = join(work.path, 'boot-ostree-saved');
    rmSync(saved, { recursive: true, force: true });
    // boot/ostree as a symlink to elsewhere: the kernel install refuses.
    const { renameSync } = await import('node:fs');
    renameSync(bootOstree, saved);
    symlinkSync(outside, bootOstree);
    try {
      await expect(s.deploy('testos/stable', { stateroot: 'testos', karg: ['x=1'] })).rejects.toMatchObject({ code: 'Conflict' });
    } finally {
      rmSync(bootOstree);
      renameSync(saved, bootOstree);
    }
    expect(await import('node:fs').then((f) => f.readdirSync(outside))).toEqual([]);
    rmSync(join(root, 'ostree/deploy/evil'), { recursive: true });
    await assertBootable(root);
  });

  it('refuses to undeploy the booted deployment, out-of-range indexes, and a rollback without one', async () => {
    const plain = await Sysroot.open(root, { sync: false });
    const d0 = plain.deployments[0]!;
    const s = await Sysroot.open(root, { sync: false, booted: { deployment: d0 } });
    await expect(s.undeploy(0)).rejects.toMatchObject({ code: 'Conflict' });
    await expect(s.undeploy(7)).rejects.toMatchObject({ code: 'NotFound' });
    await expect(s.undeploy(-1)).rejects.toMatchObject({ code: 'NotFound' });
    await expect(s.setPinned(3, true)).rejects.toMatchObject({ code: 'NotFound' });
    await expect(s.rollback()).rejects.toMatchObject({ code: 'NotFound', message: 'No rollback deployment found' });
    // Writing a list without the booted deployment is refused too.
    await expect(s.writeDeployments([])).rejects.toMatchObject({ code: 'Conflict' });
  });

  it('refuses a malformed origin file when loading', async () => {
    const s = await Sysroot.open(root);
    const origin = s.originPath(s.deployments[0]!);
    const saved = readFileSync(origin);
    try {
      writeFileSync(origin, Buffer.from([0x5b, 0xff, 0xfe, 0x5d, 0x0a]));
      await expect(Sysroot.open(root)).rejects.toMatchObject({ code: 'Parse' });
      writeFileSync(origin, 'no group line\n');
      await expect(Sysroot.open(root)).rejects.toMatchObject({ code: 'Parse' });
      writeFileSync(origin, Buffer.alloc(2 * 1024 * 1024, 0x61));
      await expect(Sysroot.open(root)).rejects.toMatchObject({ code: 'Corrupt' });
    } finally {
      writeFileSync(origin, saved);
    }
  });
});

describe('kernel layouts', () => {
  it('legacy boot/vmlinuz-<kver>-<csum> and mismatched checksums', async () => {
    const work = scratch('layout');
    try {
      const sum = createHash('sha256').update('k').digest('hex');
      const dir = join(work.path, 'd');
      mkdirSync(join(dir, 'usr/lib/ostree-boot'), { recursive: true });
      writeFileSync(join(dir, `usr/lib/ostree-boot/vmlinuz-5.0-${sum}`), 'k');
      writeFileSync(join(dir, `usr/lib/ostree-boot/initramfs-5.0.img-${sum}`), 'i');
      const l = await findKernelLayout(dir);
      expect(l.bootcsum).toBe(sum);
      expect(l.names).toEqual({ kernel: 'vmlinuz-5.0', initramfs: 'initramfs-5.0.img' });
      writeFileSync(join(dir, `usr/lib/ostree-boot/devicetree-5.0-${'0'.repeat(64)}`), 'd');
      await expect(findKernelLayout(dir)).rejects.toMatchObject({ code: 'Conflict' });
      rmSync(join(dir, `usr/lib/ostree-boot/devicetree-5.0-${'0'.repeat(64)}`));
      // usr/lib/modules wins when it has an initramfs; the dtb directory is hashed in name order.
      const m = join(dir, 'usr/lib/modules/6.0');
      mkdirSync(join(m, 'dtb/b'), { recursive: true });
      writeFileSync(join(m, 'vmlinuz'), 'K');
      writeFileSync(join(m, 'initramfs.img'), 'I');
      writeFileSync(join(m, 'dtb/b/z.dtb'), 'Z');
      writeFileSync(join(m, 'dtb/a.dtb'), 'A');
      writeFileSync(join(m, '.vmlinuz.hmac'), 'H');
      const l2 = await findKernelLayout(dir);
      expect(l2.bootcsum).toBe(createHash('sha256').update('KIAZ').digest('hex'));
      expect(l2.names).toEqual({ kernel: 'vmlinuz-6.0', initramfs: 'initramfs-6.0.img', devicetreeDir: 'dtb' });
      expect(l2.files).toContainEqual(['.vmlinuz.hmac', '.vmlinuz-6.0.hmac']);
      rmSync(join(dir, 'usr/lib/modules'), { recursive: true });
      rmSync(join(dir, 'usr/lib/ostree-boot'), { recursive: true });
      await expect(findKernelLayout(dir)).rejects.toMatchObject({ code: 'NotFound' });
    } finally {
      work.cleanup();
    }
  });

  it('deploys a legacy-layout tree and a tree without initramfs exactly like ostree', async () => {
    const p = await makePair('layouts');
    try {
      const sum = createHash('sha256').update('legacy kernel\n').update('legacy initramfs\n').digest('hex');
      p.commit('testos/legacy', {
        noInitramfs: true,
        kver: 'unused',
        files: {
          [`boot/vmlinuz-4.19-${sum}`]: 'legacy kernel\n',
          [`boot/initramfs-4.19.img-${sum}`]: 'legacy initramfs\n',
        },
      }, 'L');
      p.admin(['deploy', '--os=testos', '--karg=root=/dev/sda', 'testos/legacy']);
      await (await Sysroot.open(p.ours, { sync: false })).deploy('testos/legacy', { stateroot: 'testos', karg: ['root=/dev/sda'] });
      let snap = p.snapshots();
      expect(snap.ours).toEqual(snap.theirs);
      p.commit('testos/noinitrd', { noInitramfs: true, kver: '6.2.0' }, 'N');
      p.admin(['deploy', '--os=testos', 'testos/noinitrd']);
      await (await Sysroot.open(p.ours, { sync: false })).deploy('testos/noinitrd', { stateroot: 'testos' });
      snap = p.snapshots();
      expect(snap.theirs.some((l) => l.includes('init=') || l.startsWith('boot/loader.0/entries'))).toBe(true);
      expect(snap.ours).toEqual(snap.theirs);
      const s = await Sysroot.open(p.ours);
      expect(s.deployments[0]!.kernelArgs).toContain('init=/ostree/boot.0/testos/');
      expect(existsSync(join(p.ours, 'boot/ostree', `testos-${sum}`, 'vmlinuz-4.19'))).toBe(true);
    } finally {
      p.cleanup();
    }
  });
});

describe('formatSize', () => {
  it('prints sizes like GLib g_format_size (as in "Freed objects: …")', async () => {
    const { formatSize } = await import('./index.js');
    const { run } = await import('../test/ostree-cli.js');
    const sizes = [0, 1, 2, 466, 999, 1000, 1049, 1800, 999_949, 1_000_000, 123_456_789, 5_000_000_000];
    const glib = run('/usr/bin/python3', [
      '-c',
      "import sys,gi\ngi.require_version('GLib','2.0')\nfrom gi.repository import GLib\nfor a in sys.argv[1:]: print(GLib.format_size(int(a)))",
      ...sizes.map(String),
    ]).split('\n').slice(0, sizes.length);
    expect(sizes.map((n) => formatSize(n))).toEqual(glib);
  });
});
