import { describe, expect, it } from 'vitest';
import { parseType, tryParseType, isSignature, isObjectPath } from './type.js';
import { parseGVariant, isGVariantNormal, gvariantOffsetSize } from './parse.js';
import { serializeGVariant } from './serialize.js';
import { Variant, vardictGet, vardictLookup, gvariantEqual } from './value.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

describe('GVariant types', () => {
  it('computes alignment and fixed size like GLib', () => {
    expect(parseType('(yt)')).toMatchObject({ alignment: 8, fixedSize: 16 });
    expect(parseType('(ty)')).toMatchObject({ alignment: 8, fixedSize: 16 });
    expect(parseType('()')).toMatchObject({ alignment: 1, fixedSize: 1 });
    expect(parseType('(uuua(ayay))')).toMatchObject({ alignment: 4, fixedSize: undefined });
    expect(parseType('{sv}')).toMatchObject({ kind: 'tuple', dictEntry: true, alignment: 8 });
    expect(parseType('a(ny)').alignment).toBe(2);
    expect(parseType('(nyy)').fixedSize).toBe(4);
  });

  it.each(['', 'z', 'a', '(', '(s', '{vs}', '{s}', '{sss}', 'ss', 'a{sv', '*', 'r', '?', 'a'.repeat(200) + 'y'])(
    'refuses the type string %j',
    (s) => {
      expect(() => parseType(s)).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
      expect(tryParseType(s)).toBeUndefined();
    },
  );

  it('validates signatures and object paths', () => {
    expect(isSignature('')).toBe(true);
    expect(isSignature('sa{sv}(ii)')).toBe(true);
    expect(isSignature('a')).toBe(false);
    expect(isObjectPath('/')).toBe(true);
    expect(isObjectPath('/a/b_c/D9')).toBe(true);
    expect(isObjectPath('/a/')).toBe(false);
    expect(isObjectPath('a')).toBe(false);
    expect(isObjectPath('/a//b')).toBe(false);
  });
});

describe('GVariant serialization (known bytes)', () => {
  it('writes framing offsets sized by the container', () => {
    expect(hex(serializeGVariant('as', ['a', 'bc']))).toBe('610062630002' + '05');
    expect(hex(serializeGVariant('as', []))).toBe('');
    // 300 bytes of body force 2-byte offsets
    const big = 'x'.repeat(299);
    const b = serializeGVariant('as', [big]);
    expect(b.length).toBe(302);
    expect(gvariantOffsetSize(b.length)).toBe(2);
    expect(hex(b.subarray(300))).toBe('2c01');
  });

  it('aligns tuple members and pads fixed-size tuples', () => {
    expect(hex(serializeGVariant('(yt)', [1, 2n]))).toBe('01000000000000000200000000000000');
    expect(hex(serializeGVariant('(ty)', [2n, 1]))).toBe('02000000000000000100000000000000');
    expect(hex(serializeGVariant('(sy)', ['a', 7]))).toBe('61000702');
  });

  it('writes variants as value, NUL, type string', () => {
    expect(hex(serializeGVariant('v', new Variant('u', 5)))).toBe('050000000075');
    expect(hex(serializeGVariant('mu', [7]))).toBe('07000000');
    expect(hex(serializeGVariant('ms', ['a']))).toBe('610000');
    expect(hex(serializeGVariant('ms', null))).toBe('');
  });

  it.each([
    ['y', 256],
    ['y', -1],
    ['u', 1.5],
    ['u', 2 ** 32],
    ['t', -1n],
    ['x', 5],
    ['s', 'a\0b'],
    ['o', 'not/a/path'],
    ['g', 'a'],
    ['b', 1],
    ['(ss)', ['a']],
    ['ay', [1, 2]],
    ['v', 'x'],
    ['mu', 5],
  ] as const)('refuses to serialize %s (case %#)', (type, value) => {
    expect(() => serializeGVariant(type, value as never)).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});

describe('GVariant parsing', () => {
  it('round-trips and returns zero-copy byte arrays', () => {
    const type = '(a{sv}aya(say)sstayay)';
    const value = [[['version', new Variant('s', '1')]], new Uint8Array(0), [], 'subject', 'body', 5n, new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
    const bytes = serializeGVariant(type, value);
    const back = parseGVariant(type, bytes) as unknown[];
    expect(gvariantEqual(back as never, value as never)).toBe(true);
    expect((back[6] as Uint8Array).buffer).toBe(bytes.buffer);
    const md = back[0] as [string, Variant][];
    expect(vardictGet(md, 'version', 's')).toBe('1');
    expect(vardictGet(md, 'version', 'u')).toBeUndefined();
    expect(vardictLookup(md, 'nope')).toBeUndefined();
  });

  const hostile: [string, string, string, number][] = [
    ['truncated fixed', '(uu)', '0100000002', 0],
    ['string without NUL', 's', '6162', 1],
    ['NUL inside a string', 's', '610062 00'.replace(/ /g, ''), 1],
    ['invalid UTF-8', 's', 'c328 00'.replace(/ /g, ''), 0],
    ['boolean 2', 'b', '02', 0],
    ['array offset past the end', 'as', '610009', 2],
    ['array offsets out of order', 'aay', '010203040506 04 02 06'.replace(/ /g, ''), 7],
    ['array offset table bigger than the array', 'as', '61000200', 0],
    ['fixed array of wrong size', 'au', '010000000200', 0],
    ['non-zero padding', '(yu)', '0101000005000000', 1],
    ['tuple offset past the body', '(ss)', '61006200 09'.replace(/ /g, ''), 4],
    ['variant without separator', 'v', '0500000075', 0],
    ['variant with an invalid type', 'v', '0500000000757a', 5],
    ['variant with two types', 'v', '05000000007575', 5],
    ['maybe without trailing NUL', 'ms', '610001', 2],
    ['maybe of wrong fixed size', 'mu', '070000', 0],
    ['trailing bytes in a tuple', '(sy)', '6100070002', 3],
    ['unit not zero', '()', '01', 0],
  ];
  it.each(hostile)('refuses %s with a ParseError at the offending offset', (_name, type, data, offset) => {
    const bytes = unhex(data);
    let caught: unknown;
    try {
      parseGVariant(type, bytes);
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'Parse', data: { offset } });
    expect(isGVariantNormal(type, bytes)).toBe(false);
  });

  it('refuses values nested deeper than GLib allows', () => {
    let v: Variant = new Variant('y', 1);
    for (let i = 0; i < 200; i++) v = new Variant('v', v);
    expect(() => serializeGVariant('v', v)).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
    // 200 nested variants written by hand
    let bytes = Uint8Array.of(1, 0, 0x79);
    for (let i = 0; i < 200; i++) bytes = Uint8Array.from([...bytes, ...(i % 1 === 0 ? [] : []), 0, 0x76]);
    expect(() => parseGVariant('v', bytes)).toThrowError(expect.objectContaining({ code: 'Parse' }));
  });
});
