import { describe, expect, it } from 'vitest';
import { blsEntryFilename } from './bls-entry-filename.js';

describe('blsEntryFilename', () => {
  it('gives the default deployment the highest number', () => {
    const names = [0, 1].map((index) =>
      blsEntryFilename({ index, deploymentCount: 2, stateroot: 'fedora', naming: 'with-stateroot' }),
    );
    expect(names).toEqual(['ostree-2-fedora.conf', 'ostree-1-fedora.conf']);
  });

  it('drops the stateroot in the newer naming', () => {
    expect(blsEntryFilename({ index: 0, deploymentCount: 3, stateroot: 'fedora', naming: 'index-only' })).toBe(
      'ostree-3.conf',
    );
  });

  it('refuses out-of-range indexes and hostile stateroots', () => {
    expect(() => blsEntryFilename({ index: 2, deploymentCount: 2, stateroot: 'a', naming: 'index-only' })).toThrow(
      /out of range/,
    );
    expect(() =>
      blsEntryFilename({ index: 0, deploymentCount: 1, stateroot: '../x', naming: 'with-stateroot' }),
    ).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});
