import { InvalidArgumentError, ParseError } from '@tsostree/errors';

/**
 * GVariant type strings (GLib `GVariantType`), parsed once and cached.
 *
 * A parsed type knows what the serializer and the parser need: its alignment (1, 2, 4 or 8) and,
 * for fixed-size types, its size (GLib `g_variant_type_info_query`). Only definite types are
 * supported (no `*`, `?`, `r`): every value ostree stores has a definite type.
 */

/** Basic type codes: `b y n q i u x t h d s o g`. */
export type GVariantBasicCode = 'b' | 'y' | 'n' | 'q' | 'i' | 'u' | 'x' | 't' | 'h' | 'd' | 's' | 'o' | 'g';

export type GVariantType =
  | { readonly kind: 'basic'; readonly code: GVariantBasicCode; readonly string: string; readonly alignment: number; readonly fixedSize: number | undefined }
  | { readonly kind: 'variant'; readonly string: 'v'; readonly alignment: 8; readonly fixedSize: undefined }
  | { readonly kind: 'array'; readonly element: GVariantType; readonly string: string; readonly alignment: number; readonly fixedSize: undefined }
  | { readonly kind: 'maybe'; readonly element: GVariantType; readonly string: string; readonly alignment: number; readonly fixedSize: undefined }
  | {
      /** A tuple `(…)` or a dict entry `{kv}` (which is serialized exactly like a two-member tuple). */
      readonly kind: 'tuple';
      readonly dictEntry: boolean;
      readonly members: readonly GVariantType[];
      readonly string: string;
      readonly alignment: number;
      readonly fixedSize: number | undefined;
    };

/** GLib's `G_VARIANT_MAX_RECURSION_DEPTH`: deepest nesting of containers in a type or a value. */
export const GVARIANT_MAX_DEPTH = 128;

const BASIC: Record<GVariantBasicCode, [alignment: number, fixedSize: number | undefined]> = {
  b: [1, 1],
  y: [1, 1],
  n: [2, 2],
  q: [2, 2],
  i: [4, 4],
  u: [4, 4],
  h: [4, 4],
  x: [8, 8],
  t: [8, 8],
  d: [8, 8],
  s: [1, undefined],
  o: [1, undefined],
  g: [1, undefined],
};

const basicCache = new Map<string, GVariantType>();
for (const code of Object.keys(BASIC) as GVariantBasicCode[]) {
  const [alignment, fixedSize] = BASIC[code];
  basicCache.set(code, { kind: 'basic', code, string: code, alignment, fixedSize });
}
const VARIANT_TYPE: GVariantType = { kind: 'variant', string: 'v', alignment: 8, fixedSize: undefined };

const cache = new Map<string, GVariantType>();
const CACHE_LIMIT = 4096;

function isBasicCode(c: string): c is GVariantBasicCode {
  return c.length === 1 && Object.hasOwn(BASIC, c);
}

const alignUp = (n: number, a: number): number => (n + a - 1) & ~(a - 1);

/** Thrown by the scanner; callers turn it into the right error class. */
class TypeSyntax {
  constructor(
    readonly message: string,
    readonly pos: number,
  ) {}
}

function makeTuple(members: GVariantType[], dictEntry: boolean, string: string): GVariantType {
  let alignment = 1;
  let offset = 0;
  let fixed = true;
  for (const m of members) {
    alignment = Math.max(alignment, m.alignment);
    if (!fixed) continue;
    if (m.fixedSize === undefined) {
      fixed = false;
      continue;
    }
    offset = alignUp(offset, m.alignment) + m.fixedSize;
  }
  let fixedSize: number | undefined;
  if (fixed) fixedSize = members.length === 0 ? 1 : alignUp(offset, alignment);
  return { kind: 'tuple', dictEntry, members, string, alignment, fixedSize };
}

/** Scans one complete type starting at `pos`; returns it and the position after it. */
function scan(s: string, pos: number, depth: number): [GVariantType, number] {
  if (depth > GVARIANT_MAX_DEPTH) throw new TypeSyntax('type nests too deeply', pos);
  if (pos >= s.length) throw new TypeSyntax('type string ends early', pos);
  const c = s[pos]!;
  if (isBasicCode(c)) return [basicCache.get(c)!, pos + 1];
  switch (c) {
    case 'v':
      return [VARIANT_TYPE, pos + 1];
    case 'a':
    case 'm': {
      const [element, next] = scan(s, pos + 1, depth + 1);
      const string = s.slice(pos, next);
      const type: GVariantType =
        c === 'a'
          ? { kind: 'array', element, string, alignment: element.alignment, fixedSize: undefined }
          : { kind: 'maybe', element, string, alignment: element.alignment, fixedSize: undefined };
      return [type, next];
    }
    case '(': {
      const members: GVariantType[] = [];
      let p = pos + 1;
      for (;;) {
        if (p >= s.length) throw new TypeSyntax('unterminated tuple type', p);
        if (s[p] === ')') break;
        const [m, next] = scan(s, p, depth + 1);
        members.push(m);
        p = next;
      }
      return [makeTuple(members, false, s.slice(pos, p + 1)), p + 1];
    }
    case '{': {
      const k = s[pos + 1];
      if (k === undefined || !isBasicCode(k)) throw new TypeSyntax('dict entry key must be a basic type', pos + 1);
      const key = basicCache.get(k)!;
      const [value, next] = scan(s, pos + 2, depth + 1);
      if (s[next] !== '}') throw new TypeSyntax('dict entry must have exactly two members', next);
      return [makeTuple([key, value], true, s.slice(pos, next + 1)), next + 1];
    }
    default:
      throw new TypeSyntax(`unexpected character ${JSON.stringify(c)} in type string`, pos);
  }
}

/** Parses a single complete type string, or returns undefined when it is not one. */
export function tryParseType(typeString: string): GVariantType | undefined {
  const hit = cache.get(typeString) ?? basicCache.get(typeString);
  if (hit) return hit;
  try {
    const [type, end] = scan(typeString, 0, 1);
    if (end !== typeString.length) return undefined;
    if (cache.size < CACHE_LIMIT) cache.set(typeString, type);
    return type;
  } catch (e) {
    if (e instanceof TypeSyntax) return undefined;
    throw e;
  }
}

/**
 * Parses a single complete GVariant type string such as `(a{sv}aya(say)sstayay)`.
 * Throws `InvalidArgumentError` for anything else (callers pass type strings from code).
 */
export function parseType(typeString: string): GVariantType {
  const hit = cache.get(typeString) ?? basicCache.get(typeString);
  if (hit) return hit;
  try {
    const [type, end] = scan(typeString, 0, 1);
    if (end !== typeString.length) throw new TypeSyntax('trailing characters after a complete type', end);
    if (cache.size < CACHE_LIMIT) cache.set(typeString, type);
    return type;
  } catch (e) {
    if (e instanceof TypeSyntax) {
      throw new InvalidArgumentError(`invalid GVariant type ${JSON.stringify(typeString.slice(0, 80))}: ${e.message}`, {
        data: { type: typeString.slice(0, 80), position: e.pos },
      });
    }
    throw e;
  }
}

/** True when `s` is a valid GVariant signature (`g`): zero or more complete types, at most 255 bytes. */
export function isSignature(s: string): boolean {
  if (s.length > 255) return false;
  let p = 0;
  try {
    while (p < s.length) p = scan(s, p, 1)[1];
  } catch (e) {
    if (e instanceof TypeSyntax) return false;
    throw e;
  }
  return true;
}

const OBJECT_PATH_RE = /^\/$|^(\/[A-Za-z0-9_]+)+$/;

/** True when `s` is a valid D-Bus object path (`o`). */
export function isObjectPath(s: string): boolean {
  return OBJECT_PATH_RE.test(s);
}

/** Internal: wraps a bad embedded type string (inside a `v`) as a ParseError. */
export function parseEmbeddedType(typeString: string, offset: number): GVariantType {
  const t = tryParseType(typeString);
  if (!t) throw new ParseError(`invalid type string ${JSON.stringify(typeString.slice(0, 80))} in variant`, { offset });
  return t;
}
