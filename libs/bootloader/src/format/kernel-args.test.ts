import { describe, expect, it } from 'vitest';
import {
  formatQuotedKernelArg,
  KernelArgs,
  splitKernelArgs,
  unquoteKernelArgValue,
} from './kernel-args.js';

const k = (s: string) => KernelArgs.parse(s);

describe('KernelArgs (ostree-kernel-args.c semantics)', () => {
  it('keeps order, repeated keys, bare keys and empty values; toString round-trips', () => {
    for (const s of ['', 'quiet', 'a=1 b a=2 c= d', 'console=tty0 console=ttyS0,115200n8', 'a  b', ' lead', 'x=y=z']) {
      expect(k(s).toString()).toBe(s);
    }
    const args = k('a=1 b a=2 c=');
    expect(args.entries()).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: null },
      { key: 'a', value: '2' },
      { key: 'c', value: '' },
    ]);
    expect(args.getValues('a')).toEqual(['1', '2']);
    expect(args.getLastValue('a')).toBe('2');
    expect(args.getLastValue('b')).toBeNull();
    expect(args.getLastValue('zz')).toBeUndefined();
    expect(args.toArray()).toEqual(['a=1', 'b', 'a=2', 'c=']);
  });

  it('keeps double-quoted values with spaces as one argument', () => {
    expect(splitKernelArgs('a="x y" b')).toEqual(['a="x y"', 'b']);
    const args = k('root=/dev/sda1 dyndbg="file foo.c +p" quiet');
    expect(args.getLastValue('dyndbg')).toBe('"file foo.c +p"');
    expect(unquoteKernelArgValue(args.getLastValue('dyndbg')!)).toBe('file foo.c +p');
    args.replace('quiet=1');
    expect(args.toString()).toBe('root=/dev/sda1 dyndbg="file foo.c +p" quiet=1');
    expect(formatQuotedKernelArg('opt', 'a b')).toBe('opt="a b"');
    expect(formatQuotedKernelArg('opt', 'ab')).toBe('opt=ab');
    expect(formatQuotedKernelArg('opt', null)).toBe('opt');
    expect(() => formatQuotedKernelArg('opt', 'a"b')).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => formatQuotedKernelArg('a b', 'x')).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
  });

  it('append always adds; appendIfMissing only for a new key', () => {
    expect(k('console=tty0').append('console=ttyS0').toString()).toBe('console=tty0 console=ttyS0');
    expect(k('a=1').appendIfMissing('a=2').appendIfMissing('b').toString()).toBe('a=1 b');
    expect(k('a').append('x=1 y=2').toString()).toBe('a x=1 y=2');
  });

  it('replace (--karg) puts one value at the position of the first occurrence', () => {
    expect(k('a=1 b a=2 c').replace('a=3').toString()).toBe('a=3 b c');
    expect(k('b c').replace('a=3').toString()).toBe('b c a=3');
    expect(k('a=1 b').replace('a').toString()).toBe('a b');
    expect(k('ostree=/old x').replaceArgv(['ostree=/new', 'y=1']).toString()).toBe('ostree=/new x y=1');
  });

  it('newReplace (rpm-ostree kargs --replace): key=new, key=old=new, errors', () => {
    expect(k('a=1 b').newReplace('a=2').toString()).toBe('a=2 b');
    expect(k('a=1 b a=2').newReplace('a=2=3').toString()).toBe('a=1 b a=3');
    expect(k('a b').newReplace('a=5').toString()).toBe('a=5 b');
    expect(k('a=1').newReplace('a').toString()).toBe('a');
    expect(() => k('a=1').newReplace('z=1')).toThrowError(expect.objectContaining({ code: 'NotFound', message: "No key 'z' found" }));
    expect(() => k('a=1 a=2').newReplace('a=3')).toThrowError(expect.objectContaining({ code: 'Conflict' }));
    expect(() => k('a=1').newReplace('a=9=3')).toThrowError(expect.objectContaining({ code: 'NotFound', message: "No karg 'a=9' found" }));
  });

  it('delete: a single-valued key by name, one value of a repeated key, errors', () => {
    expect(k('a=1 b').delete('a').toString()).toBe('b');
    expect(k('a=1 b').delete('a=1').toString()).toBe('b');
    expect(k('a=1 b a=2').delete('a=2').toString()).toBe('a=1 b');
    expect(k('a a=1').delete('a').toString()).toBe('a=1');
    expect(() => k('a=1').delete('a=2')).toThrowError(expect.objectContaining({ code: 'NotFound' }));
    expect(() => k('a=1 a=2').delete('a')).toThrowError(expect.objectContaining({ code: 'Conflict' }));
    expect(() => k('a=1 a=2').delete('a=3')).toThrowError(expect.objectContaining({ code: 'NotFound' }));
    expect(() => k('b').delete('a')).toThrowError(expect.objectContaining({ code: 'NotFound' }));
    expect(() => k('a').delete('a=')).toThrowError(expect.objectContaining({ code: 'NotFound' }));
    expect(k('a=1 b a=2').deleteKey('a').toString()).toBe('b');
    expect(() => k('b').deleteKey('a')).toThrowError(expect.objectContaining({ code: 'NotFound' }));
  });

  it('deleteIfPresent ignores a missing key but keeps delete errors', () => {
    expect(k('a=1').deleteIfPresent('z').toString()).toBe('a=1');
    expect(k('a=1 z').deleteIfPresent('z').toString()).toBe('a=1');
    expect(() => k('z=1 z=2').deleteIfPresent('z')).toThrowError(expect.objectContaining({ code: 'Conflict' }));
    expect(k('a').contains('a=anything')).toBe(true);
  });

  it('appendProcCmdline drops BOOT_IMAGE= and initrd= and the trailing newline', () => {
    const args = k('x').appendProcCmdline('BOOT_IMAGE=(hd0,gpt2)/vmlinuz root=UUID=1 initrd=\\initrd.img ro quiet\n');
    expect(args.toString()).toBe('x root=UUID=1 ro quiet');
  });

  it('clone is independent', () => {
    const a = k('a=1');
    const b = a.clone().append('b');
    expect(a.toString()).toBe('a=1');
    expect(b.toString()).toBe('a=1 b');
  });
});
