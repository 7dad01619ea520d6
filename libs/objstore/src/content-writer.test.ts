/**
 * ContentWriter.writeRecipe: content objects built on the write thread from ranges of existing files
 * and bytes (a static delta's big rollsum objects), hashed as they are written and kept only when
 * they are the named object.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/tmp.js';
import { ContentWriter, type RecipePiece } from './content-writer.js';
import { serializeFileMeta } from './format/dirmeta.js';
import { contentChecksum, fileHeaderStreamPrefix } from './format/file-header.js';
import { S_IFREG } from './format/validate.js';
import { Repo } from './repo.js';
import { WRITE_CHUNK } from './write-all.js';
import { nodeXattrs } from './xattrs.js';

const meta = { uid: 1000, gid: 27, mode: S_IFREG | 0o4755, rdev: 0, symlinkTarget: '', xattrs: [] };

async function withWriter(fn: (s: { dir: string; src: string; srcBytes: Buffer; writer: ContentWriter }) => Promise<void>): Promise<void> {
  const repo = await Repo.init(join(await tempDir(), 'repo'), { mode: 'bare-user' });
  const dir = mkdtempSync(join(repo.tmpDir, 'stage-'));
  // A source bigger than the thread's read buffer, so ranges cross its pieces.
  const srcBytes = randomBytes(2 * WRITE_CHUNK + 12_345);
  const src = join(repo.tmpDir, 'old-version');
  writeFileSync(src, srcBytes);
  const writer = ContentWriter.start(true)!;
  expect(writer).toBeDefined();
  try {
    await fn({ dir, src, srcBytes, writer });
  } finally {
    await writer.close();
  }
}

/** The recipe for `pieces`, named by the checksum of what they make unless `checksum` is given. */
function recipe(tmp: string, pieces: RecipePiece[], content: Buffer, checksum = contentChecksum(meta, content), size = content.length) {
  return { tmp, checksum, size, headerPrefix: fileHeaderStreamPrefix(meta), pieces, mode: meta.mode & 0o777, meta: serializeFileMeta(meta) };
}

const settle = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: string; message: string }) => ({ code: e.code, message: e.message }));

describe('ContentWriter.writeRecipe', () => {
  it('builds the object from file ranges and bytes: content, mode, mtime 0, user.ostreemeta', async () => {
    await withWriter(async ({ dir, src, srcBytes, writer }) => {
      const middle = Buffer.from('an edit in the middle');
      const pieces: RecipePiece[] = [
        { file: src, offset: 10, length: WRITE_CHUNK + 5 },
        { bytes: middle },
        { file: src, offset: WRITE_CHUNK + 100, length: WRITE_CHUNK + 12_000 },
        { bytes: new Uint8Array(0) },
        { file: src, offset: 0, length: 3 },
      ];
      const content = Buffer.concat([srcBytes.subarray(10, WRITE_CHUNK + 15), middle, srcBytes.subarray(WRITE_CHUNK + 100, 2 * WRITE_CHUNK + 12_100), srcBytes.subarray(0, 3)]);
      const tmp = join(dir, 'obj');
      await writer.writeRecipe(recipe(tmp, pieces, content));
      expect(readFileSync(tmp).equals(content)).toBe(true);
      const st = statSync(tmp);
      expect(st.mode & 0o7777).toBe(0o755);
      expect(st.mtimeMs).toBe(0);
      expect(Buffer.from(nodeXattrs.get(tmp, 'user.ostreemeta')!).equals(Buffer.from(serializeFileMeta(meta)))).toBe(true);
    });
  });

  it('refuses an object that is not the named one, a range past the end of its file, a missing file, a wrong size — leaving no file', async () => {
    await withWriter(async ({ dir, src, srcBytes, writer }) => {
      const whole = { file: src, offset: 0, length: srcBytes.length };
      expect(await settle(writer.writeRecipe(recipe(join(dir, 'a'), [whole], srcBytes, 'ab'.repeat(32))))).toEqual({
        code: 'ChecksumMismatch',
        message: `Corrupted file object ${'ab'.repeat(32)}: actual checksum is ${contentChecksum(meta, srcBytes)}`,
      });
      const past = { file: src, offset: srcBytes.length - 10, length: 20 };
      expect(await settle(writer.writeRecipe(recipe(join(dir, 'b'), [past], Buffer.alloc(20))))).toEqual({
        code: 'Corrupt',
        message: `${src} ended before the range an object is made of`,
      });
      const missing = join(dir, 'no-such-source');
      expect(await settle(writer.writeRecipe(recipe(join(dir, 'c'), [{ file: missing, offset: 0, length: 1 }], Buffer.alloc(1))))).toMatchObject({
        code: 'NotFound',
        message: expect.stringContaining(`reading ${missing}`),
      });
      expect(await settle(writer.writeRecipe(recipe(join(dir, 'd'), [whole], srcBytes, undefined, srcBytes.length + 1)))).toEqual({
        code: 'Corrupt',
        message: `Corrupted file object ${contentChecksum(meta, srcBytes)}: content has ${srcBytes.length} bytes, header says ${srcBytes.length + 1}`,
      });
      expect(readdirSync(dir)).toEqual([]);
      // A name that already exists: an I/O error, and the file that was there is left alone.
      writeFileSync(join(dir, 'taken'), 'not ours');
      expect(await settle(writer.writeRecipe(recipe(join(dir, 'taken'), [whole], srcBytes)))).toMatchObject({ code: 'Conflict' });
      expect(readFileSync(join(dir, 'taken'), 'utf8')).toBe('not ours');
      rmSync(join(dir, 'taken'));
      // Still working after the refusals; a stopped thread refuses.
      await writer.writeRecipe(recipe(join(dir, 'e'), [whole], srcBytes));
      expect(readdirSync(dir)).toEqual(['e']);
      await writer.close();
      expect(await settle(writer.writeRecipe(recipe(join(dir, 'f'), [whole], srcBytes)))).toMatchObject({ code: 'Io' });
    });
  });
});
