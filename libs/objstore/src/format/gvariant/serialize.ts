import { InvalidArgumentError } from '@tsostree/errors';
import { isObjectPath, isSignature, parseType, type GVariantType } from './type.js';
import { Variant, type GVariantValue } from './value.js';

/**
 * GVariant serialization in normal form, with GLib's rules (gvariant-serialiser.c):
 * little-endian numbers, every value aligned to its type's alignment relative to its container,
 * zero padding, and framing offsets sized by the container's total size (1, 2, 4 or 8 bytes).
 */

const encoder = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A growable byte buffer used by the serializer (internal; object modules use it for fast paths). */
export class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(initial: number) {
    this.buf = new Uint8Array(Math.max(64, initial));
    this.view = new DataView(this.buf.buffer);
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Pads with zero bytes to `alignment` (positions are relative to the buffer start, which is 8-aligned). */
  align(alignment: number): void {
    const pad = (alignment - (this.pos & (alignment - 1))) & (alignment - 1);
    if (pad === 0) return;
    this.ensure(pad);
    this.buf.fill(0, this.pos, this.pos + pad);
    this.pos += pad;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Writes the 32 bytes of a 64-character lowercase hex checksum; false when it is not one. */
  hex32(hex: string): boolean {
    if (hex.length !== 64) return false;
    this.ensure(32);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < 64; i += 2) {
      const a = hex.charCodeAt(i);
      const b = hex.charCodeAt(i + 1);
      const hi = a >= 48 && a <= 57 ? a - 48 : a >= 97 && a <= 102 ? a - 87 : -1;
      const lo = b >= 48 && b <= 57 ? b - 48 : b >= 97 && b <= 102 ? b - 87 : -1;
      if (hi < 0 || lo < 0) return false;
      buf[p++] = (hi << 4) | lo;
    }
    this.pos = p;
    return true;
  }

  /** The written bytes, copied. */
  result(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  byte(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  /**
   * Writes a UTF-8 string followed by NUL; returns false (writing nothing) when the string holds
   * a NUL or a lone surrogate.
   */
  string(s: string): boolean {
    // Fast path for ASCII, the common case for names and keys.
    const n = s.length;
    this.ensure(n + 1);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 0) return false;
      if (c >= 0x80) {
        if (LONE_SURROGATE.test(s)) return false;
        this.bytes(encoder.encode(s));
        this.byte(0);
        return true;
      }
      buf[p++] = c;
    }
    buf[p++] = 0;
    this.pos = p;
    return true;
  }

  offset(value: number, size: number): void {
    this.ensure(size);
    switch (size) {
      case 1:
        this.buf[this.pos] = value;
        break;
      case 2:
        this.view.setUint16(this.pos, value, true);
        break;
      case 4:
        this.view.setUint32(this.pos, value, true);
        break;
      default:
        this.view.setBigUint64(this.pos, BigInt(value), true);
    }
    this.pos += size;
  }
}

/** GLib `gvs_calculate_total_size`: the smallest offset size that can address the whole container. */
export function offsetSizeFor(bodySize: number, offsets: number): number {
  if (bodySize + offsets <= 0xff) return 1;
  if (bodySize + 2 * offsets <= 0xffff) return 2;
  if (bodySize + 4 * offsets <= 0xffffffff) return 4;
  return 8;
}

function bad(type: GVariantType, value: unknown, why: string): never {
  const shown = typeof value === 'bigint' ? `${value}n` : typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
  throw new InvalidArgumentError(`cannot serialize ${shown} as GVariant '${type.string}': ${why}`, {
    data: { type: type.string },
  });
}

function intIn(type: GVariantType, v: GVariantValue, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(type, v, `expected an integer in [${min}, ${max}]`);
  return v;
}

function write(w: Writer, type: GVariantType, v: GVariantValue, depth: number): void {
  switch (type.kind) {
    case 'basic':
      writeBasic(w, type, v);
      return;
    case 'variant': {
      if (!(v instanceof Variant)) bad(type, v, 'expected a Variant');
      if (depth > 128) bad(type, v, 'value nests too deeply');
      const inner = parseType(v.type);
      write(w, inner, v.value, depth + 1);
      w.byte(0);
      w.bytes(encoder.encode(inner.string));
      return;
    }
    case 'maybe': {
      if (v === null) return;
      if (!Array.isArray(v) || v.length !== 1) bad(type, v, 'expected null or [value]');
      write(w, type.element, (v as readonly GVariantValue[])[0]!, depth + 1);
      if (type.element.fixedSize === undefined) w.byte(0);
      return;
    }
    case 'array':
      writeArray(w, type, type.element, v, depth);
      return;
    case 'tuple':
      writeTuple(w, type, v, depth);
      return;
  }
}

function writeArray(w: Writer, type: GVariantType, element: GVariantType, v: GVariantValue, depth: number): void {
  if (element.kind === 'basic' && element.code === 'y') {
    if (!(v instanceof Uint8Array)) bad(type, v, 'expected a Uint8Array');
    w.bytes(v);
    return;
  }
  if (!Array.isArray(v)) bad(type, v, 'expected an array');
  const items = v as readonly GVariantValue[];
  if (element.fixedSize !== undefined) {
    for (const item of items) {
      w.align(element.alignment);
      write(w, element, item, depth + 1);
    }
    return;
  }
  if (items.length === 0) return;
  const start = w.pos;
  const ends = new Array<number>(items.length);
  for (let i = 0; i < items.length; i++) {
    w.align(element.alignment);
    write(w, element, items[i]!, depth + 1);
    ends[i] = w.pos - start;
  }
  const size = offsetSizeFor(w.pos - start, items.length);
  for (const end of ends) w.offset(end, size);
}

function writeTuple(w: Writer, type: Extract<GVariantType, { kind: 'tuple' }>, v: GVariantValue, depth: number): void {
  const members = type.members;
  if (!Array.isArray(v) || v.length !== members.length) bad(type, v, `expected an array of ${members.length} members`);
  const values = v as readonly GVariantValue[];
  const start = w.pos;
  if (members.length === 0) {
    w.byte(0);
    return;
  }
  const ends: number[] = [];
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    w.align(m.alignment);
    write(w, m, values[i]!, depth + 1);
    if (m.fixedSize === undefined && i !== members.length - 1) ends.push(w.pos - start);
  }
  if (type.fixedSize !== undefined) {
    w.align(type.alignment);
    return;
  }
  const size = offsetSizeFor(w.pos - start, ends.length);
  for (let i = ends.length - 1; i >= 0; i--) w.offset(ends[i]!, size);
}

function writeBasic(w: Writer, type: Extract<GVariantType, { kind: 'basic' }>, v: GVariantValue): void {
  switch (type.code) {
    case 'b':
      if (typeof v !== 'boolean') bad(type, v, 'expected a boolean');
      w.byte(v ? 1 : 0);
      return;
    case 'y':
      w.byte(intIn(type, v, 0, 0xff));
      return;
    case 'n':
      w.ensure(2);
      w.view.setInt16(w.pos, intIn(type, v, -0x8000, 0x7fff), true);
      w.pos += 2;
      return;
    case 'q':
      w.ensure(2);
      w.view.setUint16(w.pos, intIn(type, v, 0, 0xffff), true);
      w.pos += 2;
      return;
    case 'i':
    case 'h':
      w.ensure(4);
      w.view.setInt32(w.pos, intIn(type, v, -0x80000000, 0x7fffffff), true);
      w.pos += 4;
      return;
    case 'u':
      w.ensure(4);
      w.view.setUint32(w.pos, intIn(type, v, 0, 0xffffffff), true);
      w.pos += 4;
      return;
    case 'x':
      if (typeof v !== 'bigint' || v < -(1n << 63n) || v >= 1n << 63n) bad(type, v, 'expected a signed 64-bit bigint');
      w.ensure(8);
      w.view.setBigInt64(w.pos, v, true);
      w.pos += 8;
      return;
    case 't':
      if (typeof v !== 'bigint' || v < 0n || v >= 1n << 64n) bad(type, v, 'expected an unsigned 64-bit bigint');
      w.ensure(8);
      w.view.setBigUint64(w.pos, v, true);
      w.pos += 8;
      return;
    case 'd':
      if (typeof v !== 'number') bad(type, v, 'expected a number');
      w.ensure(8);
      w.view.setFloat64(w.pos, v, true);
      w.pos += 8;
      return;
    case 's':
    case 'o':
    case 'g':
      if (typeof v !== 'string') bad(type, v, 'expected a string');
      if (type.code === 'o' && !isObjectPath(v)) bad(type, v, 'not a valid object path');
      if (type.code === 'g' && !isSignature(v)) bad(type, v, 'not a valid signature');
      if (!w.string(v)) bad(type, v, 'strings cannot contain NUL or lone surrogates');
      return;
  }
}

/**
 * Serializes `value` as GVariant type `type` in normal form. The result is a fresh
 * `Uint8Array` (exactly what GLib's `g_variant_get_data` returns for the same value).
 */
export function serializeGVariant(type: string | GVariantType, value: GVariantValue, sizeHint = 256): Uint8Array {
  const t = typeof type === 'string' ? parseType(type) : type;
  const w = new Writer(sizeHint);
  write(w, t, value, 1);
  return w.buf.slice(0, w.pos);
}
