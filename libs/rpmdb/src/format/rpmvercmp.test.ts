import { describe, expect, it } from 'vitest';
import { compareEvr, rpmvercmp } from './rpmvercmp.js';

// Cases from rpm's own semantics (tests/rpmvercmp.at expresses the same rules).
const cases: Array<[string, string, -1 | 0 | 1]> = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0.1', '2.0.1', 0],
  ['2.0', '2.0.1', -1],
  ['2.0.1a', '2.0.1', 1],
  ['5.5p1', '5.5p2', -1],
  ['5.5p10', '5.5p1', 1],
  ['10xyz', '10.1xyz', -1],
  ['xyz10', 'xyz10.1', -1],
  ['xyz.4', '8', -1],
  ['1.0010', '1.9', 1],
  ['1.05', '1.5', 0],
  ['1b', '1a', 1],
  ['1.0', '1.fc4', 1],
  ['3.0.0_fc', '3.0.0.fc', 0],
  ['1++', '1_', 0],
  ['+', '_', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0^', '1.0', 1],
  ['1.0^git1', '1.0', 1],
  ['1.0^git1', '1.01', -1],
  ['1.0^20160101', '1.0.1', -1],
  ['1.0^git1~pre', '1.0^git1', -1],
  ['1.0~rc1^git1', '1.0~rc1', 1],
];

describe('rpmvercmp', () => {
  it.each(cases)('%s vs %s → %i', (a, b, want) => {
    expect(rpmvercmp(a, b)).toBe(want);
    expect(rpmvercmp(b, a)).toBe(want === 0 ? 0 : -want);
  });
});

describe('compareEvr', () => {
  it('orders by epoch first, then version, then release', () => {
    expect(compareEvr({ epoch: 1, version: '1.0', release: '1' }, { version: '9.9', release: '9' })).toBe(1);
    expect(compareEvr({ version: '1.0', release: '2' }, { epoch: 0, version: '1.0', release: '10' })).toBe(-1);
    expect(compareEvr({ version: '1.0', release: '1' }, { version: '1.0', release: '1' })).toBe(0);
  });
});
