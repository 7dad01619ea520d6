import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { strverscmp } from './strverscmp.js';
import { sortBlsEntries } from './bls-sort.js';
import { emptyBlsEntry } from './bls-entry.js';

const SAMPLES = [
  '', '0', '00', '000', '01', '010', '09', '1', '9', '10', '11', '100', '2', '20', '1.0', '1.01', '1.1', '1.10', '1.9',
  'a', 'a0', 'a00', 'a01', 'a1', 'a10', 'a2', 'ab', 'b', 'item#99', 'item#100', 'abc010', 'abc1', 'abc09',
  '38.20231105.0', '38.20231105.1', '38.20231026.3', '5.10.0-26-amd64', '5.10.0-9-amd64', 'x-1.2', 'x-1.10',
];

describe('strverscmp', () => {
  it('matches glibc on every pair of samples (differential, via ctypes)', () => {
    const script = [
      'import ctypes, json, sys',
      'libc = ctypes.CDLL("libc.so.6")',
      'libc.strverscmp.argtypes = [ctypes.c_char_p, ctypes.c_char_p]',
      's = json.load(sys.stdin)',
      'print(json.dumps([[ (lambda r: (r>0)-(r<0))(libc.strverscmp(a.encode(), b.encode())) for b in s] for a in s]))',
    ].join('\n');
    const glibc = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(SAMPLES) }).toString()) as number[][];
    SAMPLES.forEach((a, i) =>
      SAMPLES.forEach((b, j) => expect(Math.sign(strverscmp(a, b)), `${a} vs ${b}`).toBe(glibc[i][j])),
    );
  });

  it('orders entries by version descending, versionless last', () => {
    const mk = (version?: string) => ({ ...emptyBlsEntry(), version });
    const sorted = sortBlsEntries([mk('2'), mk(undefined), mk('10'), mk('1')], (e) => e);
    expect(sorted.map((e) => e.version)).toEqual(['10', '2', '1', undefined]);
  });
});
