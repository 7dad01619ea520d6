import { ParseError } from '@tsostree/errors';
import { GVARIANT_MAX_DEPTH, isObjectPath, isSignature, parseEmbeddedType, parseType, type GVariantType } from './type.js';
import { Variant, type GVariantValue } from './value.js';

/**
 * GVariant parsing, strict: only data in normal form is accepted (what GLib's
 * `g_variant_is_normal_form` accepts). Every framing offset, length, padding byte, boolean,
 * string and embedded type is checked; anything else is a `ParseError` carrying the absolute
 * byte offset of the problem. Byte arrays (`ay`) come back as zero-copy views of the input.
 *
 * Non-normal data has no single meaning (GLib reads it leniently, substituting default values),
 * and ostree itself refuses it: `ostree_validate_structureof_commit/dirtree/dirmeta` (used by
 * fsck and pull) start with `g_variant_is_normal_form` ("Not normal form"). Where GLib accepts
 * an odd form as normal (a 0-byte tuple whose framing offsets all read as 0), so do we: the
 * mutation test in gvariant-glib.test.ts checks we refuse exactly what GLib calls non-normal.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(message: string, offset: number): never {
  throw new ParseError(`invalid GVariant: ${message}`, { offset });
}

/** GLib `gvs_get_offset_size`. */
export function gvariantOffsetSize(containerSize: number): number {
  if (containerSize > 0xffffffff) return 8;
  if (containerSize > 0xffff) return 4;
  if (containerSize > 0xff) return 2;
  if (containerSize > 0) return 1;
  return 0;
}

/** A read cursor over one input buffer; positions are absolute. */
export class GVariantReader {
  readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Reads a little-endian framing offset of `size` bytes at `pos`. */
  offset(pos: number, size: number): number {
    switch (size) {
      case 0:
        return 0;
      case 1:
        return this.bytes[pos]!;
      case 2:
        return this.view.getUint16(pos, true);
      case 4:
        return this.view.getUint32(pos, true);
      default: {
        const v = this.view.getBigUint64(pos, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('framing offset out of range', pos);
        return Number(v);
      }
    }
  }

  /** Checks that [from, to) is all zero (alignment padding). */
  zeros(from: number, to: number): void {
    for (let i = from; i < to; i++) if (this.bytes[i] !== 0) fail('non-zero padding byte', i);
  }

  /** Decodes a NUL-terminated UTF-8 string occupying exactly [start, end). */
  string(start: number, end: number): string {
    const b = this.bytes;
    if (end <= start || b[end - 1] !== 0) fail('string is not NUL-terminated', end > start ? end - 1 : start);
    let ascii = true;
    for (let i = start; i < end - 1; i++) {
      const c = b[i]!;
      if (c === 0) fail('NUL byte inside a string', i);
      if (c >= 0x80) ascii = false;
    }
    if (ascii) {
      const n = end - 1 - start;
      if (n < 64) {
        let s = '';
        for (let i = start; i < end - 1; i++) s += String.fromCharCode(b[i]!);
        return s;
      }
      return latin1(b.subarray(start, end - 1));
    }
    try {
      return utf8.decode(b.subarray(start, end - 1));
    } catch {
      fail('string is not valid UTF-8', start);
    }
  }

  /**
   * Decodes the value of type `type` occupying exactly [start, end).
   * `depth` counts container nesting, limited like GLib's to {@link GVARIANT_MAX_DEPTH}.
   */
  read(type: GVariantType, start: number, end: number, depth: number): GVariantValue {
    const size = end - start;
    if (type.fixedSize !== undefined && size !== type.fixedSize) {
      fail(`expected ${type.fixedSize} bytes for '${type.string}', found ${size}`, start);
    }
    switch (type.kind) {
      case 'basic':
        return this.basic(type.code, start, end);
      case 'array':
        return this.array(type, type.element, start, end, depth);
      case 'tuple':
        return this.tuple(type, start, end, depth);
      case 'maybe': {
        if (size === 0) return null;
        const el = type.element;
        if (depth >= GVARIANT_MAX_DEPTH) fail('value nests too deeply', start);
        if (el.fixedSize !== undefined) return [this.read(el, start, end, depth + 1)];
        if (this.bytes[end - 1] !== 0) fail('maybe value must end with a NUL byte', end - 1);
        return [this.read(el, start, end - 1, depth + 1)];
      }
      case 'variant': {
        if (depth >= GVARIANT_MAX_DEPTH) fail('value nests too deeply', start);
        let sep = end - 1;
        while (sep >= start && this.bytes[sep] !== 0) sep--;
        if (sep < start) fail('variant has no type separator', start);
        let typeString = '';
        for (let i = sep + 1; i < end; i++) {
          const c = this.bytes[i]!;
          if (c >= 0x80) fail('non-ASCII variant type', i);
          typeString += String.fromCharCode(c);
        }
        const inner = parseEmbeddedType(typeString, sep + 1);
        return new Variant(inner.string, this.read(inner, start, sep, depth + 1));
      }
    }
  }

  private basic(code: string, start: number, end: number): GVariantValue {
    const v = this.view;
    switch (code) {
      case 'b': {
        const b = this.bytes[start]!;
        if (b > 1) fail('boolean is neither 0 nor 1', start);
        return b === 1;
      }
      case 'y':
        return this.bytes[start]!;
      case 'n':
        return v.getInt16(start, true);
      case 'q':
        return v.getUint16(start, true);
      case 'i':
      case 'h':
        return v.getInt32(start, true);
      case 'u':
        return v.getUint32(start, true);
      case 'x':
        return v.getBigInt64(start, true);
      case 't':
        return v.getBigUint64(start, true);
      case 'd':
        return v.getFloat64(start, true);
      case 's':
        return this.string(start, end);
      case 'o': {
        const s = this.string(start, end);
        if (!isObjectPath(s)) fail('invalid object path', start);
        return s;
      }
      default: {
        const s = this.string(start, end);
        if (!isSignature(s)) fail('invalid signature', start);
        return s;
      }
    }
  }

  /**
   * The element boundaries of a variable-size array occupying [start, end): calls
   * `each(i, elStart, elEnd)` in order, after checking every offset and padding byte.
   * Returns the element count.
   */
  arrayBounds(element: GVariantType, start: number, end: number, each: (i: number, s: number, e: number) => void): number {
    const size = end - start;
    if (size === 0) return 0;
    const osz = gvariantOffsetSize(size);
    const lastEnd = this.offset(end - osz, osz);
    if (lastEnd > size) fail('array framing offset out of bounds', end - osz);
    const tableSize = size - lastEnd;
    if (tableSize === 0 || tableSize % osz !== 0) fail('array framing offset table has a bad size', start + lastEnd);
    const n = tableSize / osz;
    const table = start + lastEnd;
    const align = element.alignment;
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const elEnd = this.offset(table + i * osz, osz);
      const elStart = (prev + align - 1) & ~(align - 1);
      if (elEnd < elStart || elEnd > lastEnd) fail('array framing offset out of order or out of bounds', table + i * osz);
      this.zeros(start + prev, start + elStart);
      each(i, start + elStart, start + elEnd);
      prev = elEnd;
    }
    return n;
  }

  private array(type: GVariantType, element: GVariantType, start: number, end: number, depth: number): GVariantValue {
    if (element.kind === 'basic' && element.code === 'y') return this.bytes.subarray(start, end);
    const size = end - start;
    if (size > 0 && depth >= GVARIANT_MAX_DEPTH) fail('value nests too deeply', start);
    const fixed = element.fixedSize;
    if (fixed !== undefined) {
      if (size % fixed !== 0) fail(`array of '${element.string}' has a size that is not a multiple of ${fixed}`, start);
      const n = size / fixed;
      const out = new Array<GVariantValue>(n);
      for (let i = 0; i < n; i++) out[i] = this.read(element, start + i * fixed, start + (i + 1) * fixed, depth + 1);
      return out;
    }
    const out: GVariantValue[] = [];
    this.arrayBounds(element, start, end, (_i, s, e) => {
      out.push(this.read(element, s, e, depth + 1));
    });
    void type;
    return out;
  }

  /**
   * The member boundaries of a tuple or dict entry occupying [start, end): calls `each` for every
   * member after checking offsets and padding.
   */
  tupleBounds(type: Extract<GVariantType, { kind: 'tuple' }>, start: number, end: number, each: (i: number, s: number, e: number) => void): void {
    const members = type.members;
    const size = end - start;
    if (members.length === 0) {
      if (this.bytes[start] !== 0) fail('unit value must be a zero byte', start);
      return;
    }
    const osz = type.fixedSize === undefined ? gvariantOffsetSize(size) : 0;
    let offsets = 0;
    if (type.fixedSize === undefined) for (let i = 0; i < members.length - 1; i++) if (members[i]!.fixedSize === undefined) offsets++;
    // With a size of 0 the offset size is 0 and every framing offset reads as 0 (GLib does the same).
    if (offsets * osz > size) fail('tuple too small for its framing offsets', start);
    const bodyEnd = size - offsets * osz;
    let pos = 0;
    let k = 0;
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      const mStart = (pos + m.alignment - 1) & ~(m.alignment - 1);
      let mEnd: number;
      if (m.fixedSize !== undefined) mEnd = mStart + m.fixedSize;
      else if (i === members.length - 1) mEnd = bodyEnd;
      else {
        k++;
        const at = end - k * osz;
        mEnd = this.offset(at, osz);
        if (mEnd < mStart || mEnd > bodyEnd) fail('tuple framing offset out of order or out of bounds', at);
      }
      if (mStart > bodyEnd || mEnd > bodyEnd || mEnd < mStart) fail(`tuple member ${i} out of bounds`, start + Math.min(mStart, size));
      this.zeros(start + pos, start + mStart);
      each(i, start + mStart, start + mEnd);
      pos = mEnd;
    }
    if (type.fixedSize !== undefined) {
      this.zeros(start + pos, end);
    } else if (pos !== bodyEnd) {
      fail('tuple has trailing bytes before its framing offsets', start + pos);
    }
  }

  private tuple(type: Extract<GVariantType, { kind: 'tuple' }>, start: number, end: number, depth: number): GVariantValue {
    if (depth >= GVARIANT_MAX_DEPTH) fail('value nests too deeply', start);
    const out = new Array<GVariantValue>(type.members.length);
    this.tupleBounds(type, start, end, (i, s, e) => {
      out[i] = this.read(type.members[i]!, s, e, depth + 1);
    });
    return out;
  }
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/**
 * Parses `bytes` as a GVariant of type `type` in normal form. Byte arrays in the result are views
 * of `bytes` (copy them if the buffer is reused).
 */
export function parseGVariant(type: string | GVariantType, bytes: Uint8Array): GVariantValue {
  const t = typeof type === 'string' ? parseType(type) : type;
  return new GVariantReader(bytes).read(t, 0, bytes.length, 1);
}

/** True when `bytes` is a normal-form serialization of type `type` (GLib `g_variant_is_normal_form`). */
export function isGVariantNormal(type: string | GVariantType, bytes: Uint8Array): boolean {
  try {
    parseGVariant(type, bytes);
    return true;
  } catch (e) {
    if (e instanceof ParseError) return false;
    throw e;
  }
}
