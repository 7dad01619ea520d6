import { describe, expect, it } from 'vitest';
import { emptyBlsEntry, type BlsEntry } from './bls-entry.js';
import { generateSyslinuxConfig } from './syslinux-config.js';

const e = (title: string | undefined, linux = '/ostree/os-a/vmlinuz-1'): BlsEntry => ({
  ...emptyBlsEntry(),
  title,
  linux,
  initrd: '/ostree/os-a/initramfs-1.img',
  devicetree: '/ostree/os-a/devicetree-1',
  options: 'root=/dev/sda1 ostree=/ostree/boot.1/os/a/0',
});

describe('generateSyslinuxConfig', () => {
  it('appends ostree labels after the kept lines, with DEFAULT when there was none', () => {
    expect(generateSyslinuxConfig('', [e('A (ostree:0)'), e(undefined)])).toBe(
      'DEFAULT A (ostree:0)\nLABEL A (ostree:0)\n\tKERNEL /boot/ostree/os-a/vmlinuz-1\n\tINITRD /boot/ostree/os-a/initramfs-1.img\n' +
        '\tDEVICETREE /boot/ostree/os-a/devicetree-1\n\tAPPEND root=/dev/sda1 ostree=/ostree/boot.1/os/a/0\n' +
        'LABEL (Untitled)\n\tKERNEL /boot/ostree/os-a/vmlinuz-1\n\tINITRD /boot/ostree/os-a/initramfs-1.img\n' +
        '\tDEVICETREE /boot/ostree/os-a/devicetree-1\n\tAPPEND root=/dev/sda1 ostree=/ostree/boot.1/os/a/0\n',
    );
  });

  it('keeps a foreign DEFAULT and foreign labels, drops old ostree labels and extra blank lines', () => {
    const previous =
      'UI menu.c32\n\nDEFAULT rescue\n\nLABEL rescue\n\tKERNEL /vmlinuz-rescue\n\n' +
      'LABEL old (ostree:0)\n\tKERNEL /boot/ostree/os-z/vmlinuz\n\tAPPEND x\nLABEL older\n\tKERNEL /ostree/os-y/vmlinuz\n';
    const out = generateSyslinuxConfig(previous, [e('A (ostree:0)')]);
    expect(out).toBe(
      'UI menu.c32\n\nLABEL rescue\n\tKERNEL /vmlinuz-rescue\n' +
        'LABEL A (ostree:0)\n\tKERNEL /boot/ostree/os-a/vmlinuz-1\n\tINITRD /boot/ostree/os-a/initramfs-1.img\n' +
        '\tDEVICETREE /boot/ostree/os-a/devicetree-1\n\tAPPEND root=/dev/sda1 ostree=/ostree/boot.1/os/a/0\n',
    );
  });

  it('regenerates a DEFAULT that pointed at an ostree entry', () => {
    const out = generateSyslinuxConfig('DEFAULT Old (ostree:1)\n', [e('New (ostree:0)')]);
    expect(out.startsWith('DEFAULT New (ostree:0)\nLABEL New (ostree:0)\n')).toBe(true);
    expect(generateSyslinuxConfig('DEFAULT ostree:0\n', [e('N (ostree:0)')])).toMatch(/^DEFAULT N/);
  });

  it('fails like ostree on a LABEL without KERNEL, and on entries without linux', () => {
    expect(() => generateSyslinuxConfig('LABEL x\n\tAPPEND y\n', [])).toThrowError(
      expect.objectContaining({ code: 'InvalidArgument', message: expect.stringMatching(/No KERNEL/) }),
    );
    expect(() => generateSyslinuxConfig('', [{ ...emptyBlsEntry(), title: 't' }])).toThrowError(/linux/);
  });
});
