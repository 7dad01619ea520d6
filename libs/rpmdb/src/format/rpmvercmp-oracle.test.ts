// rpmvercmp against rpm's own comparison on generated version pairs: one `rpm --eval` process runs
// rpm.vercmp over every pair written to a file. rpm.vercmp parses its arguments as EVRs (so `-` and
// `:` would split release and epoch, and an empty string is refused): the generator avoids those
// three, and the comparison is then exactly rpmvercmp on the versions.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rpmvercmp } from './rpmvercmp.js';

const PAIRS = 12_000;

/** Deterministic generator of awkward version strings. */
function generator(seed: number) {
  let s = seed;
  const rand = (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  const pieces = ['0', '00', '1', '01', '001', '2', '9', '10', '010', '123', '99999999999999999999', 'a', 'b', 'z', 'A', 'Z', 'rc', 'alpha', 'beta', 'fc40', 'el9', 'git', 'p', ''];
  const seps = ['.', '.', '.', '~', '^', '_', '+', '', '..', '~~', '^^', '%', '.~', '^~', '...'];
  const version = (): string => {
    const n = 1 + rand(5);
    let v = '';
    for (let i = 0; i < n; i++) {
      if (i > 0 || rand(8) === 0) v += seps[rand(seps.length)];
      v += pieces[rand(pieces.length)];
    }
    if (rand(10) === 0) v += seps[rand(seps.length)];
    return v;
  };
  const mutate = (v: string): string => {
    switch (rand(6)) {
      case 0:
        return v + seps[rand(seps.length)] + pieces[rand(pieces.length)];
      case 1:
        return v.replace(/\d+/, (d) => (rand(2) ? '0' + d : String(Number(d.slice(0, 6)) + 1)));
      case 2:
        return v.slice(0, Math.max(0, v.length - 1 - rand(3)));
      case 3:
        return v.replace(/[.~^_+-]/, seps[rand(seps.length)]!);
      default:
        return v;
    }
  };
  const nonEmpty = (v: string) => (v === '' ? '0' : v);
  return () => {
    const a = nonEmpty(version());
    return rand(3) === 0 ? [a, nonEmpty(version())] : [a, nonEmpty(mutate(a))];
  };
}

describe('rpmvercmp agrees with rpm', () => {
  it(`on ${PAIRS} generated pairs`, () => {
    const next = generator(20261122);
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < PAIRS; i++) pairs.push(next() as [string, string]);
    const dir = mkdtempSync(join(tmpdir(), 'vercmp-'));
    try {
      const file = join(dir, 'pairs.txt');
      writeFileSync(file, pairs.map(([a, b]) => `${a}\t${b}\n`).join(''));
      const lua = `%{lua: for line in io.lines("${file}") do local a, b = line:match("^(.-)\\t(.*)$"); print(rpm.vercmp(a, b) .. ",") end}`;
      const out = execFileSync('rpm', ['--eval', lua], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
      const theirs = out.split(',').filter((x) => x !== '').map(Number);
      expect(theirs.length).toBe(PAIRS);
      const ours = pairs.map(([a, b]) => rpmvercmp(a, b));
      const mismatches = pairs.map((p, i) => [p[0], p[1], theirs[i], ours[i]]).filter((m) => m[2] !== m[3]);
      expect(mismatches.slice(0, 20)).toEqual([]);
      // The generator must produce every interesting kind of case.
      const all = pairs.flat().join(' ');
      for (const needle of ['~', '^', '00', 'a', '..']) expect(all).toContain(needle);
      expect(new Set(theirs)).toEqual(new Set([-1, 0, 1]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
