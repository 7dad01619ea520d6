/** The GVariant text printer against GLib's g_variant_print (python3-gi), on random values. */
import { describe, expect, it } from 'vitest';
import { askGlib } from '../../../test/glib-peer.js';
import { toJson, type Json } from '../../../test/gvariant-json.js';
import { randomType, randomValue, rng } from '../../../test/gvariant-random.js';
import { formatDouble, formatGVariantText } from './text.js';
import { parseGVariantText } from './text-parse.js';
import { Variant, type GVariantValue } from './value.js';

const FIXED: [string, GVariantValue][] = [
  ['ay', Uint8Array.from(Buffer.from("it's\tok\n\x01\xff\0", 'latin1'))],
  ['ay', Uint8Array.of(0x61, 0x22, 0x5c, 0)],
  ['ay', Uint8Array.of(0)],
  ['ay', new Uint8Array(0)],
  ['ay', Uint8Array.of(1, 0, 2)],
  ['s', 'quote\'s and "doubles" and \\ and \u0007\b\f\n\r\t\v\u0001\u00ad\u200b é 🙂 \u{10ffff}'],
  ['s', 'plain'],
  ['mmi', [null]],
  ['mmi', [[3]]],
  ['mms', null],
  ['mmmb', [[null]]],
  ['a{sv}', []],
  ['a{sv}', [['version', new Variant('s', '1.0')], ['n', new Variant('u', 7)], ['t', new Variant('t', 9n)], ['e', new Variant('as', [])]]],
  ['(i)', [5]],
  ['()', []],
  ['{sy}', ['k', 1]],
  ['(og)', ['/a/b', 'a{sv}']],
  ['ad', [0, -0, 1, 0.1, 1e21, 1e-7, 123456789012345680000, 1.5e300, -2.5e-300, 100, 1e16, 1e17, 0.0001, 0.00001, Infinity, -Infinity, NaN, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.5, 2.5, 9007199254740993]],
  ['v', new Variant('v', new Variant('ay', Uint8Array.of(104, 105, 0)))],
];

describe('GVariant text format', () => {
  it('prints like GLib (random values of random types, annotated and plain)', () => {
    const r = rng(0x7e47);
    const cases: [string, GVariantValue][] = [...FIXED];
    for (let i = 0; i < 600; i++) {
      const type = randomType(r);
      cases.push([type, randomValue(r, type)]);
    }
    const answers = askGlib(cases.map(([type, value]) => ({ op: 'print', type, value: toJson(type, value) })));
    cases.forEach(([type, value], i) => {
      const a = answers[i] as { annotated: string; plain: string };
      expect(formatGVariantText(type, value, true), `annotated ${type}`).toBe(a.annotated);
      expect(formatGVariantText(type, value, false), `plain ${type}`).toBe(a.plain);
    });
  });

  it('formats doubles like %.17g', () => {
    expect(formatDouble(0.1)).toBe('0.10000000000000001');
    expect(formatDouble(1)).toBe('1.0');
    expect(formatDouble(1e21)).toBe('1e+21');
    expect(formatDouble(-0)).toBe('-0.0');
  });
});

describe('GVariant text parsing', () => {
  it('reads back what GLib prints (annotated: type inferred; plain: type given)', () => {
    const r = rng(0x9a45e);
    const cases: [string, GVariantValue][] = FIXED.filter(([t]) => t !== 'ad');
    for (let i = 0; i < 500; i++) {
      const type = randomType(r);
      cases.push([type, randomValue(r, type)]);
    }
    const answers = askGlib(cases.map(([type, value]) => ({ op: 'print', type, value: toJson(type, value) })));
    cases.forEach(([type, value], i) => {
      const a = answers[i] as { annotated: string; plain: string };
      let inferred: { type: string; value: GVariantValue };
      try {
        inferred = parseGVariantText(a.annotated);
      } catch (e) {
        throw new Error(`${type}: ${a.annotated.slice(0, 300)}: ${String(e)}`);
      }
      expect(inferred.type, a.annotated).toBe(type);
      expect(toJson(type, inferred.value), a.annotated).toEqual(toJson(type, value));
      const typed = parseGVariantText(a.plain, type);
      expect(toJson(type, typed.value), a.plain).toEqual(toJson(type, value));
    });
  });

  it.each([
    ['uint32 42', 'u', 42],
    ['42', 'i', 42],
    ['true', 'b', true],
    ["'x'", 's', 'x'],
    ['1.5', 'd', 1.5],
    ['[1, 2.5]', 'ad', [1, 2.5]],
    ['[uint64 1, 2]', 'at', [1n, 2n]],
    ["{'a': <1>}", 'a{sv}', [['a', new Variant('i', 1)]]],
    ["['a', 'b']", 'as', ['a', 'b']],
    ['(1, "two", [byte 3])', '(isay)', [1, 'two', Uint8Array.of(3)]],
    ["@ms 'x'", 'ms', ['x']],
    ['0x10', 'i', 16],
  ] as const)('infers %s', (text, type, value) => {
    const got = parseGVariantText(text);
    expect(got.type).toBe(type);
    expect(toJson(type, got.value)).toEqual(toJson(type, value as GVariantValue));
  });

  it('infers the same types and values as GLib for handwritten text', () => {
    const texts = [
      'uint32 42', '42', '-7', 'true', "'x'", '"it\'s"', '1.5', '1e3', '[1, 2.5]', '[uint64 1, 2]', "{'a': <1>}", "['a', 'b']",
      '(1, "two", [byte 3])', "@ms 'x'", '0x10', '010', "b'abc'", "b'\\001\\n'", '<<true>>', "{'k', 5}", '[[1], [], [2, 3]]',
      "[@mi 1, nothing]", 'just just 5', '@mmi just nothing', "objectpath '/a/b'", "signature 'a{sv}'", '(1,)', '()', "{'a': [1.5], 'b': []}",
      "['\\u00e9\\U0001F642']", 'int64 -9223372036854775808', 'uint64 18446744073709551615', '[1, -1]', '{1: true}',
    ];
    const answers = askGlib(texts.map((text) => ({ op: 'parse-text', text })));
    texts.forEach((text, i) => {
      const a = answers[i] as { type: string; value: Json } | { error: string };
      if ('error' in a) {
        expect(() => parseGVariantText(text), `${text} (GLib: ${a.error})`).toThrowError(expect.objectContaining({ code: 'Parse' }));
        return;
      }
      const ours = parseGVariantText(text);
      expect(ours.type, text).toBe(a.type);
      expect(toJson(ours.type, ours.value), text).toEqual(a.value);
    });
  });

  it.each(['', '[', '[1, "a"]', '(1)', 'uint32 -1', 'byte 256', '@u "x"', '[]', 'nothing', "'unterminated", '1 2', '<>', "objectpath 'x'", 'wat'])(
    'refuses %j with a ParseError',
    (text) => {
      expect(() => parseGVariantText(text)).toThrowError(expect.objectContaining({ code: 'Parse' }));
    },
  );
});
