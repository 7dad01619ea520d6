// FILECAPS text → security.capability bytes, compared with what the real setcap writes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAttributeSync } from '@napi-rs/xattr';
import { isTsostreeError } from '@tsostree/errors';
import { describe, expect, it } from 'vitest';
import { capsTextToXattr, parseCapsText } from './file-caps.js';

describe('file capabilities', () => {
  it.each(['cap_net_raw=ep', 'cap_net_raw,cap_net_admin+ep', 'cap_setuid=p', 'cap_sys_admin,cap_bpf=eip', 'cap_chown=i cap_kill=pi', '=ep', 'all=p cap_sys_admin-p'])(
    '%s equals setcap',
    (text) => {
      const dir = mkdtempSync(join(tmpdir(), 'caps-'));
      try {
        const f = join(dir, 'f');
        writeFileSync(f, '');
        execFileSync('setcap', [text, f]);
        const theirs = getAttributeSync(f, 'security.capability');
        expect(Buffer.from(capsTextToXattr(text))).toEqual(theirs);
      } finally {
        rmSync(dir, { recursive: true });
      }
    },
  );

  it('rejects unknown capabilities and malformed text', () => {
    for (const bad of ['cap_bogus=ep', 'cap_net_raw=ex', 'cap_net_raw']) {
      let caught: unknown;
      try {
        parseCapsText(bad);
      } catch (err) {
        caught = err;
      }
      expect(isTsostreeError(caught, 'Parse'), bad).toBe(true);
    }
  });
});
