import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/tmp.js';
import { contentChecksum, serializeFilezHeader } from '../format/file-header.js';
import { S_IFLNK, S_IFREG } from '../format/validate.js';
import { Repo } from '../repo.js';
import { ContentWriter } from '../content-writer.js';
import { serializeFileMeta } from '../format/dirmeta.js';
import { nodeXattrs } from '../xattrs.js';
import type { FetchedBody } from './fetcher.js';
import { verifyFilezBody, verifyFilezFile, type PullStaging } from './pull-store.js';

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

    it(`refuses wrong content, a bomb, a body shorter than declared and trailing data, leaving no temp file (${how})`, async () => {
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
      // Bytes after the DEFLATE stream, in the last read chunk and past several of them.
      for (const junk of [Buffer.from('junk'), Buffer.alloc(600_000, 1)]) {
        const trailing = Buffer.concat([serializeFilezHeader(h), deflateRawSync(content), junk]);
        await expect(verifyFilezFile(repo, good, put('trailing.filez', trailing), true, syncLimit)).rejects.toMatchObject({
          code: 'Corrupt',
          message: expect.stringMatching(/trailing data after the DEFLATE stream/),
        });
      }
      expect(leftovers()).toEqual([]);
    });
  }
});

// bare-user pulls verify archive objects on the write thread (content-writer.ts): it must accept and refuse exactly
// what this thread does, with the same typed errors, and create a file only for a matching object.
describe('verifyFilezBody on the write thread', () => {
  async function withThread(mode: 'bare-user' | 'bare-user-only', fn: (s: Awaited<ReturnType<typeof setup>> & { staging: PullStaging; dir: string }) => Promise<void>): Promise<void> {
    const base = await setup();
    const repo = await Repo.init(join(dirname(base.repo.path), `repo-${mode}`), { mode });
    const dir = mkdtempSync(join(repo.tmpDir, 'stage-'));
    let n = 0;
    const writer = ContentWriter.start(mode === 'bare-user')!;
    expect(writer).toBeDefined();
    try {
      await fn({ ...base, repo, dir, staging: { tmpPath: () => join(dir, String(n++)), writer } });
    } finally {
      await writer.close();
    }
  }
  const bodyOf = (bytes: Uint8Array): FetchedBody => ({ bytes, size: bytes.length });
  const settle = (p: Promise<unknown>) => p.then((v) => ({ ok: v }), (e: { code: string; message: string }) => ({ code: e.code, message: e.message }));

  for (const mode of ['bare-user', 'bare-user-only'] as const) {
    it(`into ${mode}: creates the finished object file, from memory and from a fetched file`, async () => {
      await withThread(mode, async ({ repo, put, staging, dir }) => {
        const content = Buffer.concat([randomBytes(50_000), Buffer.alloc(200_000, 3)]);
        const h = { ...header(content.length, S_IFREG | 0o4751), uid: mode === 'bare-user' ? 1000 : 0, gid: mode === 'bare-user' ? 27 : 0 };
        const checksum = contentChecksum(h, content);
        const filez = Buffer.concat([serializeFilezHeader(h), deflateRawSync(content)]);
        const spilled = put('obj.filez', filez);
        for (const body of [bodyOf(filez), { file: spilled, size: filez.length }]) {
          const v = await verifyFilezBody(repo, checksum, body, staging);
          expect(v).toMatchObject({ checksum, size: content.length, finished: true, meta: { mode: h.mode, uid: h.uid, gid: h.gid } });
          expect(dirname(v.contentFile!)).toBe(dir);
          expect(readFileSync(v.contentFile!).equals(content)).toBe(true);
          const st = statSync(v.contentFile!);
          expect(st.mode & 0o7777).toBe(0o751); // no setuid bit on the stored file: it lives in user.ostreemeta
          expect(st.mtimeMs).toBe(0);
          const meta = nodeXattrs.get(v.contentFile!, 'user.ostreemeta');
          if (mode === 'bare-user') expect(Buffer.from(meta!).equals(Buffer.from(serializeFileMeta({ uid: 1000, gid: 27, mode: h.mode, xattrs: [] })))).toBe(true);
          else expect(meta).toBeUndefined();
        }
        expect(existsSync(spilled)).toBe(false); // the fetched file is consumed
      });
    });
  }

  it('refuses what this thread refuses, with the same errors, creating nothing', async () => {
    await withThread('bare-user', async ({ repo, put, staging, dir }) => {
      const content = randomBytes(100_000);
      const h = header(content.length);
      const good = contentChecksum(h, content);
      const deflated = deflateRawSync(content);
      const cases: [string, string, Uint8Array][] = [
        ['wrong checksum', 'ab'.repeat(32), Buffer.concat([serializeFilezHeader(h), deflated])],
        ['bomb', good, Buffer.concat([serializeFilezHeader(header(10)), deflateRawSync(Buffer.alloc(8 * 1024 * 1024))])],
        ['shorter than declared', good, Buffer.concat([serializeFilezHeader(header(content.length + 1)), deflated])],
        ['truncated stream', good, Buffer.concat([serializeFilezHeader(h), deflated.subarray(0, deflated.length - 100)])],
        ['trailing data', good, Buffer.concat([serializeFilezHeader(h), deflated, Buffer.from('junk')])],
        // Past the thread's 256 KiB read chunks: zlib ends its output while input is still coming.
        ['much trailing data', good, Buffer.concat([serializeFilezHeader(h), deflated, Buffer.alloc(600_000, 1)])],
        ['not DEFLATE', good, Buffer.concat([serializeFilezHeader(h), Buffer.alloc(64, 0xff)])],
        ['truncated header', good, serializeFilezHeader(h).subarray(0, 12)],
      ];
      for (const [what, checksum, bytes] of cases) {
        const expected = await settle(verifyFilezBody(repo, checksum, bodyOf(bytes)));
        expect(expected, what).toHaveProperty('code');
        expect(await settle(verifyFilezBody(repo, checksum, bodyOf(bytes), staging)), what).toEqual(expected);
        const file = put(`${what}.filez`, bytes);
        expect(await settle(verifyFilezBody(repo, checksum, { file, size: bytes.length }, staging)), what).toEqual(expected);
      }
      expect(readdirSync(dir)).toEqual([]);
      // The thread still works after refusing.
      await verifyFilezBody(repo, good, bodyOf(Buffer.concat([serializeFilezHeader(h), deflated])), staging);
      expect(readdirSync(dir)).toHaveLength(1);
    });
  });

  it('a file the thread cannot create → the typed I/O error of this thread, no file; a stopped thread refuses', async () => {
    await withThread('bare-user', async ({ repo, staging, dir }) => {
      const content = randomBytes(1000);
      const h = header(content.length);
      const checksum = contentChecksum(h, content);
      const body = bodyOf(Buffer.concat([serializeFilezHeader(h), deflateRawSync(content)]));
      execFileSync('chattr', ['+i', dir]);
      let error: unknown;
      try {
        error = await verifyFilezBody(repo, checksum, body, staging).catch((e: unknown) => e);
      } finally {
        execFileSync('chattr', ['-i', dir]);
      }
      expect(error).toMatchObject({ code: 'Io', data: { errno: 'EPERM' }, message: expect.stringMatching(/^storing content object [0-9a-f]{64}: EPERM/) });
      expect(readdirSync(dir)).toEqual([]);
      await staging.writer!.close();
      await expect(verifyFilezBody(repo, checksum, body, staging)).rejects.toMatchObject({ code: 'Io' });
      expect(readdirSync(dir)).toEqual([]);
    });
  });
});
