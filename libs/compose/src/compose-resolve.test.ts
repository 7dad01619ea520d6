import { describe, expect, it } from 'vitest';
import { formatRpmMdDependency, matchesPackageGlob } from './compose-resolve.js';

describe('formatRpmMdDependency', () => {
  it('writes rpm dependency syntax', () => {
    expect(formatRpmMdDependency({ name: 'foo' })).toBe('foo');
    expect(formatRpmMdDependency({ name: 'foo', flags: 'GE', epoch: 0, version: '1.2', release: '3' })).toBe('foo >= 1.2-3');
    expect(formatRpmMdDependency({ name: 'foo', flags: 'EQ', epoch: 2, version: '1.2' })).toBe('foo = 2:1.2');
    expect(formatRpmMdDependency({ name: 'foo', flags: 'LT', version: '5' })).toBe('foo < 5');
    expect(formatRpmMdDependency({ name: '(a or b)' })).toBe('(a or b)');
  });
});

describe('matchesPackageGlob', () => {
  const p = { name: 'kernel-core', epoch: 0, version: '6.1', release: '1.fc41', arch: 'x86_64' };
  it('matches names, NEVRAs and globs like dnf', () => {
    expect(matchesPackageGlob('kernel*', p)).toBe(true);
    expect(matchesPackageGlob('kernel', p)).toBe(false);
    expect(matchesPackageGlob('kernel-core', p)).toBe(true);
    expect(matchesPackageGlob('kernel-core-6.1-1.fc41.x86_64', p)).toBe(true);
    expect(matchesPackageGlob('kernel-core.x86_64', p)).toBe(true);
    expect(matchesPackageGlob('kernel-cor?', p)).toBe(true);
    expect(matchesPackageGlob('kernel-[bc]ore', p)).toBe(true);
    expect(matchesPackageGlob('kernel.core', p)).toBe(false); // '.' is literal
    expect(matchesPackageGlob('[unclosed', p)).toBe(false);
  });
});
