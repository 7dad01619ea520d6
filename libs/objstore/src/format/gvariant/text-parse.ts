import { ParseError } from '@tsostree/errors';
import { isObjectPath, isSignature, parseType, tryParseType, type GVariantType } from './type.js';
import { Variant, type GVariantValue } from './value.js';

/**
 * Parses the GVariant text format (GLib `g_variant_parse`), as used by `ostree commit
 * --add-metadata=KEY=VALUE` and friends: type keywords (`uint32 7`), `@type` annotations,
 * numbers, booleans, strings, byte strings (`b'…'`), arrays, dictionaries, dict entries, tuples,
 * variants (`<…>`), `nothing`/`just`. Types are inferred like GLib (integers default to `i`,
 * floats to `d`, strings to `s`) unless a type is given. Round-trips `g_variant_print(v, TRUE)`.
 */

type Node =
  | { k: 'num'; text: string; float: boolean; at: number }
  | { k: 'bool'; value: boolean; at: number }
  | { k: 'str'; value: string; at: number }
  | { k: 'bytes'; value: Uint8Array; at: number }
  | { k: 'array'; items: Node[]; at: number }
  | { k: 'dict'; entries: [Node, Node][]; at: number }
  | { k: 'entry'; key: Node; value: Node; at: number }
  | { k: 'tuple'; items: Node[]; at: number }
  | { k: 'variant'; value: Node; at: number }
  | { k: 'nothing'; at: number }
  | { k: 'just'; value: Node; at: number }
  | { k: 'typed'; type: string; value: Node; at: number };

const KEYWORD_TYPES: Record<string, string> = {
  boolean: 'b',
  byte: 'y',
  int16: 'n',
  uint16: 'q',
  int32: 'i',
  uint32: 'u',
  handle: 'h',
  int64: 'x',
  uint64: 't',
  double: 'd',
  string: 's',
  objectpath: 'o',
  signature: 'g',
};

function fail(message: string, offset: number): never {
  throw new ParseError(`invalid GVariant text: ${message}`, { offset });
}

class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  peek(): string {
    this.ws();
    return this.src[this.pos] ?? '';
  }

  expect(c: string): void {
    if (this.peek() !== c) fail(`expected ${JSON.stringify(c)}`, this.pos);
    this.pos++;
  }

  word(): string {
    this.ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    return m ? m[0] : '';
  }

  value(): Node {
    const c = this.peek();
    const at = this.pos;
    if (c === '') fail('unexpected end of input', at);
    if (c === '[') return this.list();
    if (c === '{') return this.brace();
    if (c === '(') return this.tuple();
    if (c === '<') {
      this.pos++;
      const value = this.value();
      this.expect('>');
      return { k: 'variant', value, at };
    }
    if (c === '@') {
      this.pos++;
      this.ws();
      const start = this.pos;
      let end = start;
      // The longest prefix that is a complete type.
      let type: string | undefined;
      for (end = start + 1; end <= this.src.length; end++) {
        if (/\s/.test(this.src[end - 1]!)) break;
        if (tryParseType(this.src.slice(start, end))) type = this.src.slice(start, end);
      }
      if (!type) fail('invalid type annotation', start);
      this.pos = start + type.length;
      return { k: 'typed', type, value: this.value(), at };
    }
    if (c === "'" || c === '"') return { k: 'str', value: this.string(), at };
    if (c === 'b' && (this.src[this.pos + 1] === "'" || this.src[this.pos + 1] === '"')) {
      this.pos++;
      return { k: 'bytes', value: this.bytestring(), at };
    }
    if (/[0-9+\-.]/.test(c)) return this.number();
    const w = this.word();
    if (w === 'true' || w === 'false') {
      this.pos += w.length;
      return { k: 'bool', value: w === 'true', at };
    }
    if (w === 'nothing') {
      this.pos += w.length;
      return { k: 'nothing', at };
    }
    if (w === 'just') {
      this.pos += w.length;
      return { k: 'just', value: this.value(), at };
    }
    if (w === 'inf' || w === 'nan') return this.number();
    if (Object.hasOwn(KEYWORD_TYPES, w)) {
      this.pos += w.length;
      return { k: 'typed', type: KEYWORD_TYPES[w]!, value: this.value(), at };
    }
    fail(`unexpected ${JSON.stringify(w || c)}`, at);
  }

  number(): Node {
    this.ws();
    const at = this.pos;
    const m = /^[+-]?(?:inf|nan|0[xX][0-9a-fA-F]+|[0-9]*\.?[0-9]*(?:[eE][+-]?[0-9]+)?)/.exec(this.src.slice(this.pos));
    const text = m ? m[0] : '';
    if (!/[0-9]|inf|nan/.test(text)) fail('invalid number', at);
    this.pos += text.length;
    const float = !/^[+-]?0[xX]/.test(text) && /[.eE]|inf|nan/.test(text);
    return { k: 'num', text, float, at };
  }

  escape(quote: string): string {
    const c = this.src[this.pos++];
    switch (c) {
      case 'a':
        return '\u0007';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'v':
        return '\v';
      case 'u':
      case 'U': {
        const n = c === 'u' ? 4 : 8;
        const hex = this.src.slice(this.pos, this.pos + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) fail('invalid unicode escape', this.pos);
        this.pos += n;
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0) fail('invalid unicode escape', this.pos - n);
        return String.fromCodePoint(cp);
      }
      case undefined:
        fail('unterminated string', this.pos);
      default:
        void quote;
        return c;
    }
  }

  string(): string {
    const quote = this.src[this.pos++]!;
    let out = '';
    for (;;) {
      const c = this.src[this.pos++];
      if (c === undefined) fail('unterminated string', this.pos);
      if (c === quote) return out;
      out += c === '\\' ? this.escape(quote) : c;
    }
  }

  bytestring(): Uint8Array {
    const quote = this.src[this.pos++]!;
    const out: number[] = [];
    for (;;) {
      const c = this.src[this.pos++];
      if (c === undefined) fail('unterminated byte string', this.pos);
      if (c === quote) break;
      if (c !== '\\') {
        out.push(...Buffer.from(c, 'utf8'));
        continue;
      }
      const oct = /^[0-7]{1,3}/.exec(this.src.slice(this.pos));
      if (oct) {
        this.pos += oct[0].length;
        out.push(parseInt(oct[0], 8) & 0xff);
        continue;
      }
      out.push(...Buffer.from(this.escape(quote), 'utf8'));
    }
    out.push(0);
    return Uint8Array.from(out);
  }

  list(): Node {
    const at = this.pos;
    this.expect('[');
    const items: Node[] = [];
    if (this.peek() === ']') {
      this.pos++;
      return { k: 'array', items, at };
    }
    for (;;) {
      items.push(this.value());
      const c = this.peek();
      this.pos++;
      if (c === ']') return { k: 'array', items, at };
      if (c !== ',') fail('expected "," or "]"', this.pos - 1);
    }
  }

  brace(): Node {
    const at = this.pos;
    this.expect('{');
    if (this.peek() === '}') {
      this.pos++;
      return { k: 'dict', entries: [], at };
    }
    const key = this.value();
    if (this.peek() === ',') {
      this.pos++;
      const value = this.value();
      this.expect('}');
      return { k: 'entry', key, value, at };
    }
    const entries: [Node, Node][] = [];
    let k = key;
    for (;;) {
      this.expect(':');
      entries.push([k, this.value()]);
      const c = this.peek();
      this.pos++;
      if (c === '}') return { k: 'dict', entries, at };
      if (c !== ',') fail('expected "," or "}"', this.pos - 1);
      k = this.value();
    }
  }

  tuple(): Node {
    const at = this.pos;
    this.expect('(');
    const items: Node[] = [];
    if (this.peek() === ')') {
      this.pos++;
      return { k: 'tuple', items, at };
    }
    for (;;) {
      items.push(this.value());
      const c = this.peek();
      this.pos++;
      if (c === ')') {
        if (items.length === 1) fail('a one-element tuple needs a trailing ","', this.pos - 1);
        return { k: 'tuple', items, at };
      }
      if (c !== ',') fail('expected "," or ")"', this.pos - 1);
      if (this.peek() === ')') {
        this.pos++;
        if (items.length !== 1) fail('unexpected ","', this.pos - 2);
        return { k: 'tuple', items, at };
      }
    }
  }
}

/**
 * Patterns are type strings with wildcards: `*` any type, `N` any number type, `D` a float
 * (only `d`), `S` any string type (`s o g`).
 */
function scanPattern(p: string, i: number): number {
  const c = p[i];
  if (c === 'a' || c === 'm') return scanPattern(p, i + 1);
  if (c === '(' || c === '{') {
    let j = i + 1;
    while (p[j] !== ')' && p[j] !== '}') j = scanPattern(p, j);
    return j + 1;
  }
  return i + 1;
}

function splitMembers(p: string): string[] {
  const out: string[] = [];
  let i = 1;
  while (p[i] !== ')' && p[i] !== '}') {
    const j = scanPattern(p, i);
    out.push(p.slice(i, j));
    i = j;
  }
  return out;
}

/** Unifies two patterns, or returns undefined when they cannot describe the same type. */
function unify(a: string, b: string): string | undefined {
  if (a === b) return a;
  if (a === '*') return b;
  if (b === '*') return a;
  const num = 'ynqiuxthd';
  const one = (x: string, y: string): string | undefined => {
    if (x === 'N' && (num.includes(y) || y === 'D')) return y;
    if (x === 'D' && y === 'd') return 'd';
    if (x === 'S' && 'sog'.includes(y)) return y;
    return undefined;
  };
  if (a.length === 1 && b.length === 1) return one(a, b) ?? one(b, a);
  if (a[0] === b[0] && (a[0] === 'a' || a[0] === 'm')) {
    const inner = unify(a.slice(1), b.slice(1));
    return inner === undefined ? undefined : a[0] + inner;
  }
  if (a[0] === b[0] && (a[0] === '(' || a[0] === '{')) {
    const ma = splitMembers(a);
    const mb = splitMembers(b);
    if (ma.length !== mb.length) return undefined;
    const out: string[] = [];
    for (let i = 0; i < ma.length; i++) {
      const u = unify(ma[i]!, mb[i]!);
      if (u === undefined) return undefined;
      out.push(u);
    }
    return a[0] + out.join('') + (a[0] === '(' ? ')' : '}');
  }
  // A bare value stands for a Just in a maybe position (`[@mu 1, 2]` is `amu`).
  if (a[0] === 'm' && b[0] !== 'm') {
    const inner = unify(a.slice(1), b);
    return inner === undefined ? undefined : 'm' + inner;
  }
  if (b[0] === 'm' && a[0] !== 'm') {
    const inner = unify(a, b.slice(1));
    return inner === undefined ? undefined : 'm' + inner;
  }
  return undefined;
}

/** True when a value of pattern `p` can be read as `type` (a bare value may fill maybe levels). */
function fits(type: string, p: string): boolean {
  return unify(type, p) !== undefined || (type[0] === 'm' && fits(type.slice(1), p));
}

function pattern(n: Node): string {
  switch (n.k) {
    case 'num':
      return n.float ? 'D' : 'N';
    case 'bool':
      return 'b';
    case 'str':
      return 'S';
    case 'bytes':
      return 'ay';
    case 'variant':
      return 'v';
    case 'nothing':
      return 'm*';
    case 'just':
      return 'm' + pattern(n.value);
    case 'typed':
      if (!fits(n.type, pattern(n.value))) fail(`value does not match type '${n.type}'`, n.at);
      return n.type;
    case 'array': {
      let el = '*';
      for (const item of n.items) {
        const u = unify(el, pattern(item));
        if (u === undefined) fail('array elements of different types', item.at);
        el = u;
      }
      return 'a' + el;
    }
    case 'dict': {
      let k = '*';
      let v = '*';
      for (const [ek, ev] of n.entries) {
        const uk = unify(k, pattern(ek));
        const uv = unify(v, pattern(ev));
        if (uk === undefined || uv === undefined) fail('dictionary entries of different types', ek.at);
        k = uk;
        v = uv;
      }
      return `a{${k}${v}}`;
    }
    case 'entry':
      return `{${pattern(n.key)}${pattern(n.value)}}`;
    case 'tuple':
      return `(${n.items.map(pattern).join('')})`;
  }
}

/** Resolves the remaining wildcards to GLib's defaults; `*` cannot be resolved. */
function resolve(p: string, at: number): string {
  const out = p.replace(/N/g, 'i').replace(/D/g, 'd').replace(/S/g, 's');
  if (out.includes('*')) fail('unable to infer the type (add a type annotation)', at);
  return out;
}

function intRange(code: string): [bigint, bigint] {
  switch (code) {
    case 'y':
      return [0n, 255n];
    case 'n':
      return [-32768n, 32767n];
    case 'q':
      return [0n, 65535n];
    case 'i':
    case 'h':
      return [-(2n ** 31n), 2n ** 31n - 1n];
    case 'u':
      return [0n, 2n ** 32n - 1n];
    case 'x':
      return [-(2n ** 63n), 2n ** 63n - 1n];
    default:
      return [0n, 2n ** 64n - 1n];
  }
}

function parseInteger(text: string, at: number): bigint {
  const neg = text.startsWith('-');
  const body = text.replace(/^[+-]/, '');
  let v: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) v = BigInt(body);
  else if (/^0[0-7]+$/.test(body)) v = BigInt('0o' + body.slice(1));
  else if (/^[0-9]+$/.test(body)) v = BigInt(body);
  else fail(`invalid integer ${JSON.stringify(text)}`, at);
  return neg ? -v : v;
}

function build(n: Node, t: GVariantType): GVariantValue {
  if (n.k === 'typed') {
    if (n.type === t.string) return build(n.value, t);
    if (t.kind !== 'maybe') fail(`expected a value of type '${t.string}', found '${n.type}'`, n.at);
  }
  switch (t.kind) {
    case 'variant': {
      if (n.k !== 'variant') fail(`expected a variant <…> for type 'v'`, n.at);
      const inner = resolve(pattern(n.value), n.value.at);
      return new Variant(inner, build(n.value, parseType(inner)));
    }
    case 'maybe':
      if (n.k === 'nothing') return null;
      if (n.k === 'just') return [build(n.value, t.element)];
      if (n.k === 'typed' && n.type !== t.string && !fits(t.element.string, n.type)) fail(`expected a value of type '${t.string}', found '${n.type}'`, n.at);
      return [build(n, t.element)];
    case 'array': {
      if (t.element.kind === 'basic' && t.element.code === 'y' && n.k === 'bytes') return n.value;
      if (t.element.kind === 'tuple' && t.element.dictEntry && n.k === 'dict') {
        const [kt, vt] = t.element.members as [GVariantType, GVariantType];
        return n.entries.map(([k, v]) => [build(k, kt), build(v, vt)]);
      }
      if (n.k !== 'array') fail(`expected an array for type '${t.string}'`, n.at);
      if (t.element.kind === 'basic' && t.element.code === 'y') return Uint8Array.from(n.items.map((x) => build(x, t.element) as number));
      return n.items.map((x) => build(x, t.element));
    }
    case 'tuple':
      if (t.dictEntry) {
        if (n.k !== 'entry') fail(`expected a dictionary entry for type '${t.string}'`, n.at);
        return [build(n.key, t.members[0]!), build(n.value, t.members[1]!)];
      }
      if (n.k !== 'tuple' || n.items.length !== t.members.length) fail(`expected a tuple for type '${t.string}'`, n.at);
      return n.items.map((x, i) => build(x, t.members[i]!));
    case 'basic':
      switch (t.code) {
        case 'b':
          if (n.k !== 'bool') fail('expected a boolean', n.at);
          return n.value;
        case 's':
        case 'o':
        case 'g':
          if (n.k !== 'str') fail(`expected a string for type '${t.code}'`, n.at);
          if (t.code === 'o' && !isObjectPath(n.value)) fail('invalid object path', n.at);
          if (t.code === 'g' && !isSignature(n.value)) fail('invalid signature', n.at);
          return n.value;
        case 'd':
          if (n.k !== 'num') fail('expected a number', n.at);
          if (/^[+-]?0[xX]/.test(n.text)) return Number(parseInteger(n.text, n.at));
          return n.text.replace(/^\+/, '') === 'nan' ? NaN : Number(n.text.replace(/inf/, 'Infinity'));
        default: {
          if (n.k !== 'num' || n.float) fail(`expected an integer for type '${t.code}'`, n.at);
          const v = parseInteger(n.text, n.at);
          const [lo, hi] = intRange(t.code);
          if (v < lo || v > hi) fail(`${n.text} is out of range for type '${t.code}'`, n.at);
          return t.code === 'x' || t.code === 't' ? v : Number(v);
        }
      }
  }
}

/**
 * Parses GVariant text. With `type`, the text must describe a value of that type; without it, the
 * type is inferred like GLib. Returns the value and its type string.
 */
export function parseGVariantText(text: string, type?: string): { type: string; value: GVariantValue } {
  const p = new Parser(text);
  const node = p.value();
  p.ws();
  if (p.pos !== text.length) fail('trailing characters', p.pos);
  let t: string;
  if (type !== undefined) {
    parseType(type);
    t = type;
  } else {
    t = resolve(pattern(node), 0);
  }
  return { type: t, value: build(node, parseType(t)) };
}
