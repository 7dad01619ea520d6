import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/tmp.js';
import { storeContent } from '../repo-content.js';
import { writeMetadataObject } from '../repo-objects.js';
import { Repo, type RepoMode } from '../repo.js';
import { LoosePresence } from './loose-presence.js';

const meta = { uid: 0, gid: 0, mode: 0o100644, symlinkTarget: '', xattrs: [] };

describe('LoosePresence', () => {
  for (const mode of ['archive', 'bare-user'] as RepoMode[]) {
    it(`answers like an lstat per object, listing busy fan-out directories (${mode})`, async () => {
      const repo = await Repo.init(join(await tempDir(), 'repo'), { mode });
      const present: string[] = [];
      for (let i = 0; i < 300; i++) present.push(await storeContent(repo, meta, Buffer.from(`file ${i}`)));
      const tree = await writeMetadataObject(repo, 'dirmeta', Buffer.from('not parsed here'));
      const missing = present.map((c) => c.replace(/.$/, (x) => (x === '0' ? '1' : '0')));
      const p = new LoosePresence(repo);
      // Every lookup twice, so most fan-out directories end up listed.
      for (let round = 0; round < 2; round++) {
        for (const c of present) expect(p.has('file', c)).toBe(true);
        for (const c of missing) expect(p.has('file', c)).toBe(false);
        for (const c of present) expect(p.has('dirtree', c)).toBe(false);
        expect(p.has('dirmeta', tree)).toBe(true);
        expect(p.has('file', tree)).toBe(false);
      }
    });
  }

  it('keeps a listing as a snapshot: objects written after it read as missing', async () => {
    const repo = await Repo.init(join(await tempDir(), 'repo'), { mode: 'bare-user' });
    const a = await storeContent(repo, meta, Buffer.from('a'));
    const p = new LoosePresence(repo);
    // Same fan-out directory as `a`: after two lookups it is listed.
    const sibling = `${a.slice(0, 2)}${'0'.repeat(62)}`;
    expect(p.has('file', sibling)).toBe(false);
    expect(p.has('file', a)).toBe(true);
    let later = '';
    for (let i = 0; !later.startsWith(a.slice(0, 2)); i++) {
      const c = await storeContent(repo, meta, Buffer.from(`later ${i}`));
      if (c.startsWith(a.slice(0, 2))) later = c;
    }
    expect(p.has('file', later)).toBe(false);
    expect(new LoosePresence(repo).has('file', later)).toBe(true);
  });

  it('refuses a malformed checksum', async () => {
    const repo = await Repo.init(join(await tempDir(), 'repo'), { mode: 'bare-user' });
    expect(() => new LoosePresence(repo).has('file', '../../etc/passwd')).toThrow(/invalid checksum/);
  });
});
