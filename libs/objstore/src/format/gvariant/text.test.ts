/** The GVariant text printer against GLib's g_variant_print (python3-gi), on random values. */
import { describe, expect, it } from 'vitest';
import { askGlib } from '../../../test/glib-peer.js';
import { toJson } from '../../../test/gvariant-json.js';
import { randomType, randomValue, rng } from '../../../test/gvariant-random.js';
import { formatDouble, formatGVariantText } from './text.js';
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
