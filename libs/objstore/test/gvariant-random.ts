/** Seeded random GVariant types and values for differential tests. */
import { parseType, Variant, type GVariantType, type GVariantValue } from '../src/index.js';

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASIC = 'bynqiuxtdsog';
const STRINGS = ['', 'a', 'usr', 'ostree.ref-binding', 'version', 'héllo wörld', '日本語', 'x'.repeat(300), '🙂emoji', 'lib64'];

export function randomType(r: () => number, depth = 0): string {
  const p = r();
  if (depth > 4 || p < 0.45) return BASIC[Math.floor(r() * BASIC.length)]!;
  if (p < 0.6) return 'a' + randomType(r, depth + 1);
  if (p < 0.68) return 'm' + randomType(r, depth + 1);
  if (p < 0.74) return 'v';
  if (p < 0.8) return `a{${BASIC[Math.floor(r() * BASIC.length)]}${randomType(r, depth + 1)}}`;
  const n = Math.floor(r() * 5);
  let s = '(';
  for (let i = 0; i < n; i++) s += randomType(r, depth + 1);
  return s + ')';
}

function randomString(r: () => number): string {
  return r() < 0.7 ? STRINGS[Math.floor(r() * STRINGS.length)]! : 'n' + Math.floor(r() * 1e6).toString(36);
}

function count(r: () => number, big: boolean): number {
  const p = r();
  if (p < 0.2) return 0;
  if (big && p > 0.93) return 40 + Math.floor(r() * 300);
  return 1 + Math.floor(r() * 5);
}

export function randomValue(r: () => number, type: string | GVariantType, depth = 0): GVariantValue {
  const t = typeof type === 'string' ? parseType(type) : type;
  switch (t.kind) {
    case 'basic':
      switch (t.code) {
        case 'b':
          return r() < 0.5;
        case 'y':
          return Math.floor(r() * 256);
        case 'n':
          return Math.floor(r() * 65536) - 32768;
        case 'q':
          return Math.floor(r() * 65536);
        case 'i':
        case 'h':
          return (Math.floor(r() * 2 ** 32) | 0);
        case 'u':
          return Math.floor(r() * 2 ** 32);
        case 'x':
          return BigInt.asIntN(64, (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32)));
        case 't':
          return r() < 0.3 ? BigInt(Math.floor(r() * 1000)) : (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32));
        case 'd':
          return r() < 0.2 ? 0 : (r() - 0.5) * 10 ** Math.floor(r() * 30);
        case 's':
          return randomString(r);
        case 'o':
          return r() < 0.3 ? '/' : '/org/' + Math.floor(r() * 1e6).toString(36);
        default:
          return ['', 'a{sv}', '(uuua(ayay))', 'ay', 'v', 'sstayay'][Math.floor(r() * 6)]!;
      }
    case 'variant': {
      const inner = depth > 3 ? 's' : randomType(r, depth + 2);
      return new Variant(inner, randomValue(r, inner, depth + 1));
    }
    case 'maybe':
      return r() < 0.35 ? null : [randomValue(r, t.element, depth + 1)];
    case 'array': {
      const n = count(r, depth < 2);
      if (t.element.kind === 'basic' && t.element.code === 'y') {
        const len = r() < 0.1 ? 200 + Math.floor(r() * 70000) : n === 0 ? 0 : r() < 0.5 ? 32 : Math.floor(r() * 40);
        const b = new Uint8Array(len);
        for (let i = 0; i < len; i++) b[i] = Math.floor(r() * 256);
        return b;
      }
      const out: GVariantValue[] = [];
      for (let i = 0; i < n; i++) out.push(randomValue(r, t.element, depth + 1));
      return out;
    }
    case 'tuple':
      return t.members.map((m) => randomValue(r, m, depth + 1));
  }
}
