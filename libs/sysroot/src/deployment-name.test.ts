import { describe, expect, it } from 'vitest';
import { formatDeploymentName, parseDeploymentName } from './deployment-name.js';

const CSUM = 'a'.repeat(64);

describe('deployment names', () => {
  it('round-trips checksum and serial', () => {
    expect(formatDeploymentName({ checksum: CSUM, serial: 3 })).toBe(`${CSUM}.3`);
    expect(parseDeploymentName(`${CSUM}.0`)).toEqual({ checksum: CSUM, serial: 0 });
  });

  it.each([`${CSUM}`, `${CSUM}.origin`, `${CSUM}.01`, `${CSUM}.-1`, `${CSUM.slice(1)}.0`, '../etc.0', `${CSUM}.0/..`])(
    'refuses %s',
    (bad) => {
      expect(() => parseDeploymentName(bad)).toThrowError(expect.objectContaining({ code: 'Parse' }));
    },
  );
});
