import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/tmp.js';
import { contentChecksum, serializeFilezHeader } from '../format/file-header.js';
import { S_IFLNK, S_IFREG } from '../format/validate.js';
import { Repo } from '../repo.js';
import { verifyFilezFile } from './pull-store.js';

const header = (size: number, mode = S_IFREG | 0o755, symlinkTarget = '') => ({ size, uid: 0, gid: 0, mode, rdev: 0, symlinkTarget, xattrs: [] });

async function setup(): Promise<{ repo: Repo; put: (name: string, bytes: Uint8Array) => string; leftovers: () => string[] }> {
  const dir = await tempDir();
  const repo = await Repo.init(join(dir, 'repo'), { mode: 'bare-user' });
  return {
    repo,
    put: (name, bytes) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    },
    leftovers: () => readdirSync(repo.tmpDir).filter((n) => n !== 'cache'),
  };
}

// Spilled bodies are verified in one synchronous pass up to a size limit and streamed above it;
// `syncLimit: 0` forces the streaming path, so both are checked to agree.
describe('verifyFilezFile (spilled bodies): one pass and streaming agree', () => {
  for (const syncLimit of [undefined, 0]) {
    const how = syncLimit === 0 ? 'streaming' : 'one pass';

    it(`verifies a file object and leaves its content in a temp file (${how})`, async () => {
      const { repo, put } = await setup();
      const content = Buffer.concat([randomBytes(300_000), Buffer.alloc(700_000, 7)]);
      const h = header(content.length);
      const checksum = contentChecksum(h, content);
      const file = put('obj.filez', Buffer.concat([serializeFilezHeader(h), deflateRawSync(content)]));
      const v = await verifyFilezFile(repo, checksum, file, true, syncLimit);
      expect(v).toMatchObject({ checksum, size: content.length, meta: { mode: h.mode, uid: 0, gid: 0 } });
      expect(readFileSync(v.contentFile!).equals(content)).toBe(true);
      const archive = await verifyFilezFile(repo, checksum, file, false, syncLimit);
      expect(archive.contentFile).toBeUndefined();
      expect(archive.size).toBe(content.length);
    });

    it(`verifies a symlink object (${how})`, async () => {
      const { repo, put } = await setup();
      const h = header(0, S_IFLNK | 0o777, '../lib/target');
      const checksum = contentChecksum(h);
      const file = put('link.filez', serializeFilezHeader(h));
      const v = await verifyFilezFile(repo, checksum, file, true, syncLimit);
      expect(v.meta.symlinkTarget).toBe('../lib/target');
      expect(v.size).toBe(0);
    });

    it(`refuses wrong content, a bomb and a body shorter than declared, leaving no temp file (${how})`, async () => {
      const { repo, put, leftovers } = await setup();
      const content = randomBytes(100_000);
      const h = header(content.length);
      const good = contentChecksum(h, content);
      const body = Buffer.concat([serializeFilezHeader(h), deflateRawSync(content)]);
      await expect(verifyFilezFile(repo, 'ab'.repeat(32), put('wrong.filez', body), true, syncLimit)).rejects.toMatchObject({ code: 'ChecksumMismatch' });
      const bomb = Buffer.concat([serializeFilezHeader(header(10)), deflateRawSync(Buffer.alloc(8 * 1024 * 1024))]);
      await expect(verifyFilezFile(repo, good, put('bomb.filez', bomb), true, syncLimit)).rejects.toMatchObject({ code: 'Corrupt' });
      const short = Buffer.concat([serializeFilezHeader(header(content.length + 1)), deflateRawSync(content)]);
      await expect(verifyFilezFile(repo, good, put('short.filez', short), true, syncLimit)).rejects.toMatchObject({ code: 'Corrupt' });
      expect(leftovers()).toEqual([]);
    });
  }
});
