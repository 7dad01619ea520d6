import { describe, expect, it } from 'vitest';
import { assertStateroot, formatBootlink, isValidStateroot, ostreeKernelArg, parseBootlink } from './bootlink.js';

const B = 'b'.repeat(64);

describe('bootlink', () => {
  it('parses and formats ostree=', () => {
    const link = parseBootlink(`/ostree/boot.1/fedora/${B}/2`);
    expect(link).toEqual({ bootVersion: 1, stateroot: 'fedora', bootcsum: B, bootserial: 2 });
    expect(formatBootlink(link)).toBe(`/ostree/boot.1/fedora/${B}/2`);
  });

  it.each([
    '',
    `/ostree/boot.2/fedora/${B}/0`,
    `/ostree/boot.0/../${B}/0`,
    `/ostree/boot.0/./${B}/0`,
    `/ostree/boot.0/fedora/${B}/01`,
    `/ostree/boot.0/fedora/${B}/-1`,
    `/ostree/boot.0/fedora/${B.slice(1)}/0`,
    `/ostree/boot.0/fedora/${B}/0/`,
    `ostree/boot.0/fedora/${B}/0`,
    `/ostree/boot.0/fed\nora/${B}/0`,
    `/ostree/boot.0/fedora/${B}/99999999999`,
  ])('refuses %j', (bad) => {
    expect(() => parseBootlink(bad)).toThrowError(expect.objectContaining({ code: 'Parse' }));
  });

  it('finds the first ostree= argument', () => {
    expect(ostreeKernelArg('BOOT_IMAGE=/x root=/dev/sda ostree=/ostree/boot.0/a/b/0 ostree=/x\n')).toBe('/ostree/boot.0/a/b/0');
    expect(ostreeKernelArg('root=/dev/sda quiet')).toBeUndefined();
    expect(ostreeKernelArg('')).toBeUndefined();
  });

  it('validates stateroot names', () => {
    expect(isValidStateroot('fedora-coreos_1.x')).toBe(true);
    for (const bad of ['', '.', '..', 'a/b', 'a b', 'a\0b', 'x'.repeat(256)]) {
      expect(isValidStateroot(bad)).toBe(false);
      expect(() => assertStateroot(bad)).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
    }
  });
});
