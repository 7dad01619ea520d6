import { describe, expect, it } from 'vitest';
import { emptyBlsEntry, getBlsValue, parseBlsEntry, setBlsValue, writeBlsEntry } from './bls-entry.js';

const CSUM = '4fd03274c5449bba753c49d797caba0e082ad7fa4ef8cdbe7e83e9127393b1b3';
// Written by ostree 2022.7 `ostree admin deploy` (copied from a test sysroot).
const REAL = [
  'title Test OS 1 42.1 (ostree:0)',
  'version 1',
  `options root=/dev/sda1 quiet ostree=/ostree/boot.1/testos/${CSUM}/0`,
  `linux /ostree/testos-${CSUM}/vmlinuz-5.10.0-test`,
  `initrd /ostree/testos-${CSUM}/initramfs-5.10.0-test.img`,
  '',
].join('\n');

describe('parseBlsEntry / writeBlsEntry', () => {
  it('round-trips an entry ostree wrote, byte for byte', () => {
    const entry = parseBlsEntry(REAL);
    expect(entry.title).toBe('Test OS 1 42.1 (ostree:0)');
    expect(entry.version).toBe('1');
    expect(writeBlsEntry(entry)).toBe(REAL);
    expect(writeBlsEntry(parseBlsEntry(new TextEncoder().encode(REAL)))).toBe(REAL);
  });

  it('writes the known keys in ostree order, then overlay initrds, then other keys in order', () => {
    const entry = emptyBlsEntry();
    setBlsValue(entry, 'fdtdir', '/ostree/x/dtb');
    entry.initrd = '/i';
    entry.linux = '/k';
    entry.devicetree = '/dt';
    entry.options = 'a=1 b';
    entry.version = '3';
    entry.title = 'T';
    entry.overlayInitrds = ['/ostree/initramfs-overlays/aa.img', '/ostree/initramfs-overlays/bb.img'];
    setBlsValue(entry, 'grub_users', '$grub_users');
    expect(writeBlsEntry(entry)).toBe(
      'title T\nversion 3\noptions a=1 b\ndevicetree /dt\nlinux /k\ninitrd /i\n' +
        'initrd /ostree/initramfs-overlays/aa.img\ninitrd /ostree/initramfs-overlays/bb.img\n' +
        'fdtdir /ostree/x/dtb\ngrub_users $grub_users\n',
    );
  });

  it('reads extra initrd lines as overlays and keeps unknown keys in order', () => {
    const e = parseBlsEntry('linux /k\ninitrd /a\nzeta 1\ninitrd /b\nalpha 2\nzeta 3\n');
    expect(e.initrd).toBe('/a');
    expect(e.overlayInitrds).toEqual(['/b']);
    expect(e.extra).toEqual([['zeta', '1'], ['alpha', '2'], ['zeta', '3']]);
    expect(getBlsValue(e, 'zeta')).toBe('3');
    setBlsValue(e, 'zeta', '4');
    expect(e.extra).toEqual([['zeta', '4'], ['alpha', '2']]);
  });

  it('splits at the first space or tab and keeps the rest of the value verbatim', () => {
    const e = parseBlsEntry('title\t  spaced  title \nlinux /k\n# comment\n\n');
    expect(e.title).toBe('  spaced  title ');
    expect(e.linux).toBe('/k');
  });

  it('refuses malformed entries with the byte offset of the problem', () => {
    const cases: Array<[string | Uint8Array, number, RegExp]> = [
      ['title x\n linux /k\n', 8, /expected "key value"/],
      ['title x\nlinux\n', 8, /no value/],
      ['linux /k\nlinux /k2\n', 9, /repeated key "linux"/],
      ['title x\n', 8, /missing required key "linux"/],
      ['linux /k\r\n', 8, /control character/],
      ['linux /k\x1b[31m\n', 8, /control character/],
      ['=x y\nlinux /k\n', 0, /expected/],
      ['linux /k\noptions a\0b\n', 18, /NUL/],
      [new Uint8Array([0x6c, 0x69, 0x6e, 0x75, 0x78, 0x20, 0x2f, 0xff, 0x0a]), 7, /UTF-8/],
      [new Uint8Array([0x6c, 0x69, 0x6e, 0x75, 0x78, 0x20, 0xe2, 0x82]), 6, /UTF-8/],
      ['title é\nlinux\n', 9, /no value/],
    ];
    for (const [input, offset, message] of cases) {
      let caught: unknown;
      try {
        parseBlsEntry(input);
      } catch (error) {
        caught = error;
      }
      expect(caught, String(input)).toMatchObject({ code: 'Parse', data: { offset } });
      expect((caught as Error).message).toMatch(message);
    }
  });

  it('refuses huge files before looking at them', () => {
    const huge = 'linux /k\n' + `options ${'x'.repeat(70 * 1024)}\n`;
    expect(() => parseBlsEntry(huge)).toThrowError(expect.objectContaining({ code: 'Parse', data: { offset: 65536 } }));
    expect(parseBlsEntry(huge, { maxBytes: 1 << 20 }).options?.length).toBe(70 * 1024);
  });

  it('lets callers choose the required keys', () => {
    expect(parseBlsEntry('title only\n', { requiredKeys: [] }).title).toBe('only');
    expect(() => parseBlsEntry('linux /k\n', { requiredKeys: ['linux', 'options'] })).toThrowError(/options/);
  });

  it('refuses to write values that would inject lines, and overlays without an initrd', () => {
    expect(() => writeBlsEntry({ ...emptyBlsEntry(), options: 'a\nlinux /evil' })).toThrowError(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
    expect(() => writeBlsEntry({ ...emptyBlsEntry(), overlayInitrds: ['/x'] })).toThrowError(/no primary initrd/);
    expect(() => writeBlsEntry({ ...emptyBlsEntry(), extra: [['bad key', 'v']] })).toThrowError(/invalid BLS key/);
    expect(() => writeBlsEntry({ ...emptyBlsEntry(), extra: [['linux', '/k']] })).toThrowError(/field/);
    expect(() => setBlsValue(emptyBlsEntry(), 'x', 'a\0b')).toThrowError(/control/);
  });
});
