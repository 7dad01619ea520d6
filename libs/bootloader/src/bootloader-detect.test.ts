import { describe, expect, it } from 'vitest';
import { detectBootloader } from './bootloader-detect.js';
import { readLoaderEntries } from './loader-entries-read.js';
import { MemorySysroot } from './testing/memory-sysroot.js';

const syslinux = { 'boot/syslinux/syslinux.cfg': { symlink: '../loader/syslinux.cfg' } } as const;
const grub = { 'boot/grub/grub.cfg': '' } as const;
const uboot = { 'boot/loader': { symlink: 'loader.0' }, 'boot/loader.0/uEnv.txt': '' } as const;

describe('detectBootloader', () => {
  it('probes syslinux, grub2, u-boot in that order and falls back to BLS', async () => {
    const name = async (tree: ConstructorParameters<typeof MemorySysroot>[0], setting?: string) =>
      (await detectBootloader(new MemorySysroot(tree).read, { setting })).name;
    expect(await name({ ...syslinux, ...grub, ...uboot })).toBe('syslinux');
    expect(await name({ ...grub, ...uboot })).toBe('grub2');
    expect(await name(uboot)).toBe('uboot');
    expect(await name({})).toBe('bls');
    expect(await name({ ...syslinux }, 'none')).toBe('bls');
    expect(await name({}, 'uboot')).toBe('uboot');
    // A dangling grub.cfg symlink does not count (ostree follows it).
    expect(await name({ 'boot/grub2/grub.cfg': { symlink: '../loader/grub.cfg' } })).toBe('bls');
  });

  it('finds GRUB on the EFI system partition, which is not atomic', async () => {
    const read = new MemorySysroot({ 'boot/efi/EFI/BOOT/grub.cfg': '', 'boot/efi/EFI/debian/grub.cfg': '' }).read;
    const backend = await detectBootloader(read);
    expect(backend.name).toBe('grub2');
    expect(backend.isAtomic).toBe(false);
    expect((await detectBootloader(read, { setting: 'grub2' })).isAtomic).toBe(false);
  });

  it('refuses unknown settings and unsupported bootloaders', async () => {
    const read = new MemorySysroot({}).read;
    await expect(detectBootloader(read, { setting: 'zipl' })).rejects.toMatchObject({ code: 'Unsupported' });
    await expect(detectBootloader(read, { setting: 'lilo' })).rejects.toMatchObject({ code: 'InvalidArgument' });
  });
});

describe('readLoaderEntries', () => {
  it('reads ostree-*.conf regular files in boot order and names the bad file on parse errors', async () => {
    const root = new MemorySysroot({
      'boot/loader.1/entries/ostree-1-os.conf': 'version 1\nlinux /a\n',
      'boot/loader.1/entries/ostree-10-os.conf': 'version 10\nlinux /c\n',
      'boot/loader.1/entries/ostree-2-os.conf': 'version 2\nlinux /b\n',
      'boot/loader.1/entries/other.conf': 'garbage',
      'boot/loader.1/entries/ostree-3-os.conf.bak': 'garbage',
      'boot/loader.1/entries/ostree-dir.conf': { dir: true },
    });
    const entries = await readLoaderEntries(root.read, 1);
    expect(entries.map((e) => e.filename)).toEqual(['ostree-10-os.conf', 'ostree-2-os.conf', 'ostree-1-os.conf']);
    expect(await readLoaderEntries(root.read, 0)).toEqual([]);
    const bad = new MemorySysroot({ 'boot/loader.0/entries/ostree-1-os.conf': 'version 1\n' });
    await expect(readLoaderEntries(bad.read, 0)).rejects.toMatchObject({
      code: 'Parse',
      message: expect.stringMatching(/parsing ostree-1-os.conf/),
    });
  });
});
