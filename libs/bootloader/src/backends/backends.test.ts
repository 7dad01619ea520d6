import { describe, expect, it } from 'vitest';
import { testBootloader } from '../testing/index.js';
import { MemorySysroot } from '../testing/memory-sysroot.js';
import { createBlsBackend } from './bls.js';
import { createGrub2Backend } from './grub2.js';
import { createSyslinuxBackend } from './syslinux.js';
import { createUbootBackend } from './uboot.js';

const loader0 = { 'boot/loader': { symlink: 'loader.0' }, 'boot/loader.0': { dir: true } } as const;

testBootloader('bls', createBlsBackend, { activeTree: {}, alwaysActive: true, requiresLinux: false });
testBootloader('grub2 (BIOS)', () => createGrub2Backend(), {
  activeTree: { ...loader0, 'boot/loader.0/grub.cfg': '', 'boot/grub2/grub.cfg': { symlink: '../loader/grub.cfg' } },
  configPath: (bv) => `boot/loader.${bv}/grub.cfg`,
  requiresLinux: true,
});
testBootloader('grub2 (EFI)', () => createGrub2Backend({ efiConfigPath: 'boot/efi/EFI/debian/grub.cfg' }), {
  activeTree: { 'boot/efi/EFI/BOOT/grub.cfg': '', 'boot/efi/EFI/debian/grub.cfg': 'old' },
  configPath: () => 'boot/efi/EFI/debian/grub.cfg',
  requiresLinux: true,
});
testBootloader('syslinux', createSyslinuxBackend, {
  activeTree: { ...loader0, 'boot/loader.0/syslinux.cfg': 'PROMPT 0\n', 'boot/syslinux/syslinux.cfg': { symlink: '../loader/syslinux.cfg' } },
  configPath: (bv) => `boot/loader.${bv}/syslinux.cfg`,
  requiresLinux: true,
});
testBootloader('uboot', createUbootBackend, {
  activeTree: { ...loader0, 'boot/loader.0/uEnv.txt': '', 'boot/uEnv.txt': { symlink: 'loader/uEnv.txt' } },
  configPath: (bv) => `boot/loader.${bv}/uEnv.txt`,
  requiresLinux: true,
});

describe('backend specifics', () => {
  it('grub2 on EFI is not atomic; BIOS is', () => {
    expect(createGrub2Backend().isAtomic).toBe(true);
    expect(createGrub2Backend({ efiConfigPath: 'boot/efi/EFI/fedora/grub.cfg' }).isAtomic).toBe(false);
    expect(() => createGrub2Backend({ efiConfigPath: 'boot/efi/EFI/../../etc/grub.cfg' })).toThrowError(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
  });

  it('syslinux and uboot fail with NotFound when their current file is missing', async () => {
    const root = new MemorySysroot({ 'boot/syslinux': { dir: true } });
    const entries = [{ filename: 'ostree-1-os.conf', entry: { linux: '/k', overlayInitrds: [], extra: [], options: 'ostree=/ostree/boot.0/os/a/0' } }];
    await expect(createSyslinuxBackend().writeConfig({ bootVersion: 1, entries, read: root.read, write: root.write })).rejects.toMatchObject({ code: 'NotFound' });
    await expect(createUbootBackend().writeConfig({ bootVersion: 1, entries, read: root.read, write: root.write })).rejects.toMatchObject({ code: 'NotFound' });
    expect(root.writes).toEqual([]);
  });

  it('syslinux refuses a current syslinux.cfg with a NUL byte or above 1 MiB', async () => {
    const entries = [{ filename: 'ostree-1-os.conf', entry: { linux: '/k', overlayInitrds: [], extra: [] } }];
    const nul = new MemorySysroot({ 'boot/syslinux/syslinux.cfg': new Uint8Array([0x50, 0x0a, 0x00]) });
    await expect(createSyslinuxBackend().writeConfig({ bootVersion: 1, entries, read: nul.read, write: nul.write })).rejects.toMatchObject({
      code: 'Parse',
      data: { offset: 2 },
    });
    const huge = new MemorySysroot({ 'boot/syslinux/syslinux.cfg': new Uint8Array(1024 * 1024 + 1).fill(0x41) });
    await expect(createSyslinuxBackend().writeConfig({ bootVersion: 1, entries, read: huge.read, write: huge.write })).rejects.toMatchObject({
      code: 'Parse',
    });
    expect(nul.writes).toEqual([]);
  });

  it('uboot refuses a tree uEnv.txt that is not text, and merges one that is', async () => {
    const tree = {
      'boot/loader': { symlink: 'loader.0' },
      'boot/loader.0/uEnv.txt': '',
      'ostree/boot.1': { symlink: 'boot.1.1' },
      'ostree/boot.1.1/os/a/0': { symlink: '../../../deploy/os/deploy/a.0' },
      'ostree/deploy/os/deploy/a.0/usr/lib/ostree-boot/uEnv.txt': new Uint8Array([0x61, 0, 0x62]),
    } as const;
    const entries = [{ filename: 'ostree-1-os.conf', entry: { linux: '/k', overlayInitrds: [], extra: [], options: 'ostree=/ostree/boot.1/os/a/0' } }];
    const bad = new MemorySysroot(tree);
    await expect(createUbootBackend().writeConfig({ bootVersion: 1, entries, read: bad.read, write: bad.write })).rejects.toMatchObject({ code: 'Parse', data: { offset: 1 } });
    const good = new MemorySysroot({ ...tree, 'ostree/deploy/os/deploy/a.0/usr/lib/ostree-boot/uEnv.txt': 'x=1\n' });
    await createUbootBackend().writeConfig({ bootVersion: 1, entries, read: good.read, write: good.write });
    expect(good.text('boot/loader.1/uEnv.txt')).toBe('kernel_image=/boot/k\nbootargs=ostree=/ostree/boot.1/os/a/0\nx=1\n\n');
  });
});
