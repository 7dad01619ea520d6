/**
 * The tagged JSON form of GVariant values shared with test/glib-gvariant.py:
 * numbers as numbers, `x`/`t` as decimal strings, `d` as the hex of its 8 little-endian bytes,
 * `ay` as hex, arrays/tuples/dict entries as lists, `v` as `[type, value]`, `m` as `null` or `[value]`.
 */
import { parseType, Variant, type GVariantType, type GVariantValue } from '../src/index.js';

export type Json = null | boolean | number | string | Json[];

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function toJson(type: GVariantType | string, v: GVariantValue): Json {
  const t = typeof type === 'string' ? parseType(type) : type;
  switch (t.kind) {
    case 'basic':
      if (t.code === 'x' || t.code === 't') return String(v);
      if (t.code === 'd') {
        const b = Buffer.alloc(8);
        b.writeDoubleLE(v as number);
        return b.toString('hex');
      }
      return v as Json;
    case 'variant': {
      const x = v as Variant;
      return [x.type, toJson(x.type, x.value)];
    }
    case 'maybe':
      return v === null ? null : [toJson(t.element, (v as GVariantValue[])[0]!)];
    case 'array':
      if (t.element.kind === 'basic' && t.element.code === 'y') return hex(v as Uint8Array);
      return (v as GVariantValue[]).map((x) => toJson(t.element, x));
    case 'tuple':
      return (v as GVariantValue[]).map((x, i) => toJson(t.members[i]!, x));
  }
}
