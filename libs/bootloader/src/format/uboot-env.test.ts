import { describe, expect, it } from 'vitest';
import { emptyBlsEntry, type BlsEntry } from './bls-entry.js';
import { generateUbootEnv, ubootTreeEnvPath } from './uboot-env.js';

const e = (i: number, extra: Array<[string, string]> = []): BlsEntry => ({
  ...emptyBlsEntry(),
  linux: `/ostree/os-a/vmlinuz-${i}`,
  initrd: `/ostree/os-a/initramfs-${i}.img`,
  options: `root=/dev/mmcblk0p2 ostree=/ostree/boot.0/os/a/${i}`,
  extra,
});

describe('generateUbootEnv', () => {
  it('numbers non-default entries, adds fdtdir, merges the tree uEnv.txt after the first bootargs', () => {
    const out = generateUbootEnv([e(0, [['fdtdir', '/ostree/os-a/dtb']]), e(1), e(2)], 'bootcmd=run x\n');
    expect(out).toBe(
      'kernel_image=/boot/ostree/os-a/vmlinuz-0\nramdisk_image=/boot/ostree/os-a/initramfs-0.img\nfdtdir=/boot/ostree/os-a/dtb\n' +
        'bootargs=root=/dev/mmcblk0p2 ostree=/ostree/boot.0/os/a/0\nbootcmd=run x\n\n' +
        'kernel_image2=/boot/ostree/os-a/vmlinuz-1\nramdisk_image2=/boot/ostree/os-a/initramfs-1.img\nbootargs2=root=/dev/mmcblk0p2 ostree=/ostree/boot.0/os/a/1\n' +
        'kernel_image3=/boot/ostree/os-a/vmlinuz-2\nramdisk_image3=/boot/ostree/os-a/initramfs-2.img\nbootargs3=root=/dev/mmcblk0p2 ostree=/ostree/boot.0/os/a/2\n',
    );
    expect(generateUbootEnv([])).toBe('');
  });

  it('finds the tree uEnv.txt through the ostree= boot link and refuses unsafe ones', () => {
    expect(ubootTreeEnvPath([e(0)])).toBe('ostree/boot.0/os/a/0/usr/lib/ostree-boot/uEnv.txt');
    expect(ubootTreeEnvPath([{ ...e(0), options: undefined }])).toBeUndefined();
    expect(ubootTreeEnvPath([])).toBeUndefined();
    for (const options of ['ostree=/../../etc', 'ostree=relative/x', 'ostree=//x', 'ostree=/a/./b', 'quiet', 'ostree']) {
      expect(() => ubootTreeEnvPath([{ ...e(0), options }]), options).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
    }
  });
});
