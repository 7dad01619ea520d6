import { describe, expect, it } from 'vitest';
import { substituteVars } from './treefile-vars.js';

describe('substituteVars', () => {
  it('replaces basearch, releasever and custom variables', () => {
    expect(substituteVars('fedora/${releasever}/${basearch}/${stream}', {
      basearch: 'x86_64',
      releasever: '41',
      stream: 'iot',
    })).toBe('fedora/41/x86_64/iot');
  });

  it('keeps a plain dollar sign', () => {
    expect(substituteVars('cost $5', {})).toBe('cost $5');
  });

  it('names the unknown variable', () => {
    expect(() => substituteVars('x/${nope}', {})).toThrow(/unknown variable \$\{nope\}/);
    expect(() => substituteVars('x/${a b}', { 'a b': 'x' })).toThrowError(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
  });
});
