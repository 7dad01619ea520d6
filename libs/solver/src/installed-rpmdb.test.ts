import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installedFromRpmdb } from './installed-rpmdb.js';

// The positive path (a real rpmdb written by rpm) is covered by test/dnf/dnf-differential.test.ts.
const dir = mkdtempSync(join(tmpdir(), 'solver-rpmdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('installedFromRpmdb', () => {
  it('fails with a typed error when there is no rpm database', async () => {
    await expect(installedFromRpmdb(join(dir, 'missing'))).rejects.toMatchObject({
      code: expect.stringMatching(/^(NotFound|Io)$/),
      message: expect.stringContaining('reading the rpm database'),
    });
  });

  it('fails with a typed error on a file that is not an rpm database', async () => {
    writeFileSync(join(dir, 'rpmdb.sqlite'), 'this is not sqlite at all, just text pretending to be a database');
    await expect(installedFromRpmdb(dir)).rejects.toMatchObject({ code: expect.stringMatching(/^(Corrupt|Parse|NotFound)$/) });
  });
});
