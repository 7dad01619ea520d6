import { describe, expect, it } from 'vitest';
import { compatibleArches, isArchCompatible } from './arch-policy.js';

describe('arch policy', () => {
  it('accepts the base arch and noarch, noarch last', () => {
    expect(compatibleArches('x86_64')).toEqual(['x86_64', 'noarch']);
    expect(isArchCompatible('noarch', 'aarch64')).toBe(true);
    expect(isArchCompatible('aarch64', 'x86_64')).toBe(false);
  });

  it('accepts i686 on x86_64 only with multilib', () => {
    expect(isArchCompatible('i686', 'x86_64')).toBe(false);
    expect(isArchCompatible('i686', 'x86_64', { multilib: true })).toBe(true);
    expect(compatibleArches('x86_64', { multilib: true })).toEqual(['x86_64', 'i686', 'i586', 'i486', 'i386', 'noarch']);
  });

  it('refuses unknown architectures', () => {
    expect(() => compatibleArches('vax')).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});
