// The package's published entry points resolve (through the `@tsostree/source` condition).
import { describe, expect, it } from 'vitest';
import * as root from '@tsostree/bootloader';
import { createBlsBackend } from '@tsostree/bootloader/bls';
import { createGrub2Backend } from '@tsostree/bootloader/grub2';
import { createSyslinuxBackend } from '@tsostree/bootloader/syslinux';
import { createUbootBackend } from '@tsostree/bootloader/uboot';
import { MemorySysroot, testBootloader } from '@tsostree/bootloader/testing';

describe('package entry points', () => {
  it('each backend is exported from its own subpath and from the root', () => {
    expect(createBlsBackend().name).toBe('bls');
    expect(createGrub2Backend().name).toBe('grub2');
    expect(createSyslinuxBackend().name).toBe('syslinux');
    expect(createUbootBackend().name).toBe('uboot');
    expect(root.createUbootBackend().name).toBe('uboot');
    expect(typeof testBootloader).toBe('function');
    expect(new MemorySysroot({ a: 'x' }).text('a')).toBe('x');
  });

  it('the root entry does not pull in the testing helpers', () => {
    expect(Object.keys(root)).not.toContain('testBootloader');
    expect(Object.keys(root).sort()).toMatchSnapshot();
  });
});
