import { parseType, type GVariantType } from './type.js';
import { Variant, type GVariantValue } from './value.js';

/**
 * The GVariant text format as GLib prints it (`g_variant_print`), which `ostree show`,
 * `ostree log` and `ostree summary --view` use for metadata values. Tested differentially
 * against GLib's own output.
 */

const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cn}\p{Cs}]/u;
const C_ESCAPES: Record<string, string> = { '\u0007': 'a', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't', '\v': 'v' };

function printString(s: string): string {
  const quote = s.includes("'") ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += '\\';
    if (!NOT_PRINTABLE.test(ch)) {
      out += ch;
      continue;
    }
    const c = ch.codePointAt(0)!;
    out += '\\';
    if (c < 0x10000) out += C_ESCAPES[ch] ?? `u${c.toString(16).padStart(4, '0')}`;
    else out += `U${c.toString(16).padStart(8, '0')}`;
  }
  return out + quote;
}

/** GLib `g_strescape` of a byte string (octal for control and non-ASCII bytes). */
function strescape(b: Uint8Array): string {
  let out = '';
  for (const c of b) {
    switch (c) {
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x0b:
        out += '\\v';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      default:
        if (c < 0x20 || c >= 0x7f) out += '\\' + c.toString(8).padStart(3, '0');
        else out += String.fromCharCode(c);
    }
  }
  return out;
}

/** The exact value of a finite, non-zero double as numerator / 2^shift (both BigInt). */
function exactRational(d: number): [bigint, bigint] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(d));
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mant = expBits === 0 ? frac : frac | (1n << 52n);
  const e = (expBits === 0 ? 1 : expBits) - 1075;
  return e >= 0 ? [mant << BigInt(e), 1n] : [mant, 1n << BigInt(-e)];
}

/** 17 significant digits of |d| rounded half-to-even (like glibc's printf), and the decimal exponent. */
function digits17(d: number): [string, number] {
  const [num, den] = exactRational(d);
  let x = Number(Math.abs(d).toExponential(16).split('e')[1]);
  // Make sure 10^x <= v < 10^(x+1) exactly.
  const pow = (k: number): [bigint, bigint] => (k >= 0 ? [10n ** BigInt(k), 1n] : [1n, 10n ** BigInt(-k)]);
  const ge = (k: number): boolean => {
    const [pn, pd] = pow(k);
    return num * pd >= pn * den;
  };
  while (!ge(x)) x--;
  while (ge(x + 1)) x++;
  const shift = 16 - x;
  const [sn, sd] = pow(shift);
  const top = num * sn;
  const bottom = den * sd;
  let q = top / bottom;
  const r2 = (top % bottom) * 2n;
  if (r2 > bottom || (r2 === bottom && (q & 1n) === 1n)) q += 1n;
  if (q === 10n ** 17n) {
    q = 10n ** 16n;
    x += 1;
  }
  return [q.toString(), x];
}

/** C's `%.17g` (GLib `g_ascii_dtostr`), plus GLib's rule of appending `.0` when no `.`/`e` appears. */
export function formatDouble(d: number): string {
  let s: string;
  if (Number.isNaN(d)) s = 'nan';
  else if (!Number.isFinite(d)) s = d > 0 ? 'inf' : '-inf';
  else if (d === 0) s = Object.is(d, -0) ? '-0' : '0';
  else {
    const [digits, exp] = digits17(d);
    const sign = d < 0 ? '-' : '';
    if (exp < -4 || exp >= 17) {
      const frac = digits.slice(1).replace(/0+$/, '');
      s = `${sign}${digits[0]}${frac ? `.${frac}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    } else if (exp >= 0) {
      const frac = digits.slice(exp + 1).replace(/0+$/, '');
      s = `${sign}${digits.slice(0, exp + 1)}${frac ? `.${frac}` : ''}`;
    } else {
      const frac = ('0'.repeat(-exp - 1) + digits).replace(/0+$/, '');
      s = `${sign}0.${frac}`;
    }
  }
  return /[.enN]/.test(s) ? s : `${s}.0`;
}

function isByteString(b: Uint8Array): boolean {
  return b.length > 0 && b.indexOf(0) === b.length - 1;
}

function print(t: GVariantType, v: GVariantValue, annotate: boolean): string {
  switch (t.kind) {
    case 'maybe': {
      const prefix = annotate ? `@${t.string} ` : '';
      if (v === null) return `${prefix}nothing`;
      const child = print(t.element, (v as GVariantValue[])[0]!, false);
      return `${prefix}${child.endsWith('nothing') ? 'just ' : ''}${child}`;
    }
    case 'array': {
      const el = t.element;
      if (el.kind === 'basic' && el.code === 'y') {
        const b = v as Uint8Array;
        if (isByteString(b)) {
          const body = b.subarray(0, b.length - 1);
          return body.includes(0x27) ? `b"${strescape(body)}"` : `b'${strescape(body)}'`;
        }
        if (b.length === 0) return annotate ? '@ay []' : '[]';
        let out = '[';
        for (let i = 0; i < b.length; i++) out += `${i ? ', ' : ''}${annotate && i === 0 ? 'byte ' : ''}0x${b[i]!.toString(16).padStart(2, '0')}`;
        return out + ']';
      }
      const items = v as readonly GVariantValue[];
      if (el.kind === 'tuple' && el.dictEntry) {
        if (items.length === 0) return `${annotate ? `@${t.string} ` : ''}{}`;
        let ann = annotate;
        const parts = items.map((e) => {
          const [k, val] = e as readonly GVariantValue[];
          const s = `${print(el.members[0]!, k!, ann)}: ${print(el.members[1]!, val!, ann)}`;
          ann = false;
          return s;
        });
        return `{${parts.join(', ')}}`;
      }
      if (items.length === 0) return `${annotate ? `@${t.string} ` : ''}[]`;
      return `[${items.map((e, i) => print(el, e, annotate && i === 0)).join(', ')}]`;
    }
    case 'tuple': {
      const vals = v as readonly GVariantValue[];
      if (t.dictEntry) return `{${print(t.members[0]!, vals[0]!, annotate)}, ${print(t.members[1]!, vals[1]!, annotate)}}`;
      const parts = t.members.map((m, i) => print(m, vals[i]!, annotate));
      return `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
    }
    case 'variant': {
      const x = v as Variant;
      return `<${print(parseType(x.type), x.value, true)}>`;
    }
    case 'basic':
      switch (t.code) {
        case 'b':
          return v ? 'true' : 'false';
        case 's':
          return printString(v as string);
        case 'o':
          return `${annotate ? 'objectpath ' : ''}'${v as string}'`;
        case 'g':
          return `${annotate ? 'signature ' : ''}'${v as string}'`;
        case 'y':
          return `${annotate ? 'byte ' : ''}0x${(v as number).toString(16).padStart(2, '0')}`;
        case 'n':
          return `${annotate ? 'int16 ' : ''}${v as number}`;
        case 'q':
          return `${annotate ? 'uint16 ' : ''}${v as number}`;
        case 'i':
          return String(v);
        case 'h':
          return `${annotate ? 'handle ' : ''}${v as number}`;
        case 'u':
          return `${annotate ? 'uint32 ' : ''}${v as number}`;
        case 'x':
          return `${annotate ? 'int64 ' : ''}${v as bigint}`;
        case 't':
          return `${annotate ? 'uint64 ' : ''}${v as bigint}`;
        case 'd':
          return formatDouble(v as number);
      }
  }
}

/**
 * Prints a value in GVariant text format exactly like GLib's `g_variant_print(value, annotate)`.
 * `ostree show --print-metadata-key` prints with `annotate = true`.
 */
export function formatGVariantText(type: string | GVariantType, value: GVariantValue, annotate = true): string {
  return print(typeof type === 'string' ? parseType(type) : type, value, annotate);
}
