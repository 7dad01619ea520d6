// Seeded random inputs: parsers either return a value that round-trips or throw a typed error;
// nothing else (no crash, no bare Error, no hang).
import { describe, expect, it } from 'vitest';
import { isTsostreeError } from '@tsostree/errors';
import { parseBlsEntry, writeBlsEntry } from './bls-entry.js';
import { generateSyslinuxConfig } from './syslinux-config.js';
import { KernelArgs } from './kernel-args.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = ['title ', 'linux ', 'initrd ', 'options ', 'version ', 'x ', '#', '\n', '\t', ' ', '/', 'a', 'é', '\0', '\r', '"', '=', 'LABEL ', '\tKERNEL ', 'DEFAULT ', '\uD800'];

function randomText(r: () => number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += PIECES[Math.floor(r() * PIECES.length)];
  return out;
}

describe('fuzz', () => {
  it('parseBlsEntry: round-trips or throws a typed error, for random text and random bytes', () => {
    const r = rng(42);
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      const input = i % 3 === 0 ? Uint8Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)) : randomText(r, Math.floor(r() * 30));
      try {
        const entry = parseBlsEntry(input, { requiredKeys: [] });
        const again = parseBlsEntry(writeBlsEntry(entry), { requiredKeys: [] });
        expect(writeBlsEntry(again)).toBe(writeBlsEntry(entry));
        parsed++;
      } catch (error) {
        expect(isTsostreeError(error), String(error)).toBe(true);
        expect((error as { code: string }).code).toBe('Parse');
      }
    }
    expect(parsed).toBeGreaterThan(100);
  });

  it('KernelArgs: parse∘toString is the identity; edits never throw untyped errors', () => {
    const r = rng(7);
    for (let i = 0; i < 3000; i++) {
      const s = randomText(r, Math.floor(r() * 20)).replace(/\n/g, ' ');
      const k = KernelArgs.parse(s);
      expect(k.toString()).toBe(s);
      for (const op of ['delete', 'newReplace', 'deleteIfPresent'] as const) {
        try {
          k.clone()[op](randomText(r, 3));
        } catch (error) {
          expect(isTsostreeError(error), String(error)).toBe(true);
        }
      }
    }
  });

  it('generateSyslinuxConfig: random previous files give output or a typed error', () => {
    const r = rng(99);
    for (let i = 0; i < 2000; i++) {
      try {
        generateSyslinuxConfig(randomText(r, Math.floor(r() * 25)), [{ linux: '/k', title: 't', overlayInitrds: [], extra: [] }]);
      } catch (error) {
        expect(isTsostreeError(error), String(error)).toBe(true);
      }
    }
  });
});
