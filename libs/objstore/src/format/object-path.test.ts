import { describe, expect, it } from 'vitest';
import { isChecksum, isObjectType, looseObjectPath } from './object-path.js';

const CSUM = 'd8a4a7c1a5f1a8d3f0e6a5d8c9a5c6e8b0b3c2e1f4a6b7c8d9e0f1a2b3c4d5e6';

describe('looseObjectPath', () => {
  it('splits the checksum after two hex digits and appends the type', () => {
    expect(looseObjectPath(CSUM, 'commit')).toBe(`objects/d8/${CSUM.slice(2)}.commit`);
    expect(looseObjectPath(CSUM, 'dirtree')).toBe(`objects/d8/${CSUM.slice(2)}.dirtree`);
  });

  it('names content objects .filez in archive repositories only', () => {
    expect(looseObjectPath(CSUM, 'file', true)).toMatch(/\.filez$/);
    expect(looseObjectPath(CSUM, 'file', false)).toMatch(/\.file$/);
    expect(looseObjectPath(CSUM, 'dirmeta', true)).toMatch(/\.dirmeta$/);
  });

  it.each([
    ['uppercase', CSUM.toUpperCase()],
    ['short', CSUM.slice(1)],
    ['path traversal', `../../${CSUM.slice(6)}`],
    ['empty', ''],
  ])('refuses a %s checksum', (_name, bad) => {
    expect(() => looseObjectPath(bad, 'commit')).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
  });

  it('knows the object types', () => {
    expect(isObjectType('commitmeta')).toBe(true);
    expect(isObjectType('filez')).toBe(false);
    expect(isChecksum(CSUM)).toBe(true);
  });
});
