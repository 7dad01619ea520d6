/**
 * Differential tests against GLib itself (python3-gi): random values of ostree's types and of
 * random types are serialized by us and by GLib (bytes must be equal), our bytes are read by GLib
 * (must be normal form and the same value) and GLib's bytes are read by us (same value). Random
 * mutations of valid data must be refused by us exactly when GLib says they are not normal form.
 */
import { describe, expect, it } from 'vitest';
import { ParseError } from '@tsostree/errors';
import { askGlib, type GlibRequest } from '../../../test/glib-peer.js';
import { toJson } from '../../../test/gvariant-json.js';
import { randomType, randomValue, rng } from '../../../test/gvariant-random.js';
import { parseGVariant } from './parse.js';
import { serializeGVariant } from './serialize.js';
import type { GVariantValue } from './value.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The GVariant types ostree stores (ostree-core.h, ostree-core-private.h, static-delta-private.h). */
const OSTREE_TYPES = [
  '(a{sv}aya(say)sstayay)', // commit
  '(a(say)a(sayay))', // dirtree
  '(uuua(ayay))', // dirmeta, bare-user "user.ostreemeta"
  '(uuuusa(ayay))', // file header
  '(tuuuusa(ayay))', // archive .filez header
  'a{sv}', // detached metadata, summary.sig
  '(a(s(taya{sv}))a{sv})', // summary
  '(a{sv}tayay(a{sv}aya(say)sstayay)aya(uayttay)a(yaytt))', // delta superblock
  '(a(uuu)aa(ayay)ayay)', // delta part payload
  '(taya{sv})', // signed delta superblock
  'a(ayay)', // xattrs
  'mmy',
  'ma{sv}',
  'm(ays)',
  'mv',
  'amas',
  '(ymnmt)',
  'v',
  '()',
  'a()',
  '(y())',
  'a{ss}',
  'aay',
  'a(ty)',
  '(yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy)',
];

interface Case {
  type: string;
  value: GVariantValue;
  ours: Uint8Array;
}

function makeCases(seed: number, n: number): Case[] {
  const r = rng(seed);
  const cases: Case[] = [];
  for (let i = 0; i < n; i++) {
    const type = i < OSTREE_TYPES.length * 8 ? OSTREE_TYPES[i % OSTREE_TYPES.length]! : randomType(r);
    const value = randomValue(r, type);
    cases.push({ type, value, ours: serializeGVariant(type, value) });
  }
  return cases;
}

describe('GVariant against GLib', () => {
  it('serializes exactly like GLib and both read each other', () => {
    const cases = makeCases(0x05714ee, 700);
    const requests: GlibRequest[] = [];
    for (const c of cases) {
      requests.push({ op: 'build', type: c.type, value: toJson(c.type, c.value) });
      requests.push({ op: 'parse', type: c.type, bytes: hex(c.ours) });
    }
    const answers = askGlib(requests);
    let checked = 0;
    cases.forEach((c, i) => {
      const built = answers[2 * i]!;
      const parsed = answers[2 * i + 1]!;
      const glibBytes = 'bytes' in built ? built.bytes : '';
      expect(hex(c.ours), `bytes of ${c.type}`).toBe(glibBytes);
      expect(parsed, `GLib reading our ${c.type}`).toEqual({ normal: true, value: toJson(c.type, c.value) });
      const back = parseGVariant(c.type, Buffer.from(glibBytes, 'hex'));
      expect(toJson(c.type, back), `we read GLib's ${c.type}`).toEqual(toJson(c.type, c.value));
      checked++;
    });
    expect(checked).toBe(700);
  });

  it('refuses exactly the mutated data that GLib says is not in normal form', () => {
    const r = rng(0xbad5eed);
    const cases = makeCases(0xfeed, 400).filter((c) => c.ours.length > 0 && c.ours.length < 5000);
    const mutants: { type: string; bytes: Uint8Array }[] = [];
    for (const c of cases) {
      for (let k = 0; k < 4; k++) {
        const b = Uint8Array.from(c.ours);
        const how = r();
        let m: Uint8Array;
        if (how < 0.4) {
          // flip a byte near the end, where the framing offsets are
          const at = Math.max(0, b.length - 1 - Math.floor(r() * Math.min(b.length, 12)));
          b[at] = b[at]! ^ (1 + Math.floor(r() * 255));
          m = b;
        } else if (how < 0.7) {
          const at = Math.floor(r() * b.length);
          b[at] = Math.floor(r() * 256);
          m = b;
        } else if (how < 0.85) {
          m = b.subarray(0, Math.floor(r() * b.length));
        } else {
          m = new Uint8Array([...b, ...new Uint8Array(1 + Math.floor(r() * 3))]);
        }
        mutants.push({ type: c.type, bytes: m });
      }
    }
    const answers = askGlib(mutants.map((m) => ({ op: 'parse', type: m.type, bytes: hex(m.bytes) })));
    let refused = 0;
    mutants.forEach((m, i) => {
      const a = answers[i]!;
      if (!('normal' in a)) throw new Error('unexpected answer');
      let ours: GVariantValue | ParseError;
      try {
        ours = parseGVariant(m.type, m.bytes);
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        ours = e;
      }
      const label = `${m.type} ${hex(m.bytes).slice(0, 200)}`;
      if (a.normal) {
        expect(ours, label).not.toBeInstanceOf(ParseError);
        expect(toJson(m.type, ours as GVariantValue), label).toEqual(a.value);
      } else {
        expect(ours, label).toBeInstanceOf(ParseError);
        refused++;
      }
    });
    expect(refused).toBeGreaterThan(mutants.length / 4);
  });
});
