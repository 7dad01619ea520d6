/**
 * Byte-for-byte tests against repositories written by the real `ostree`: every object is parsed,
 * re-serialized to the same bytes, and its checksum recomputed to the name ostree gave it.
 */
import { readFileSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listObjects, makeOstreeFixture, ostree, run, type OstreeFixture } from '../../test/ostree-fixture.js';
import { sha256Hex, checksumToMb64, checksumFromMb64 } from './checksum.js';
import { parseCommit, serializeCommit } from './commit.js';
import { parseDirMeta, parseFileMeta, serializeDirMeta, serializeFileMeta } from './dirmeta.js';
import { parseDirTree, serializeDirTree } from './dirtree.js';
import { contentChecksum, contentChecksumStream, parseFilezHeader, serializeFilezHeader } from './file-header.js';
import { decodeFilez, encodeFilez } from './filez.js';
import { parseDetachedMetadata, parseTombstone, serializeDetachedMetadata, serializeTombstone, vardictU64BE } from './metadata.js';
import { commitSizesVariant, parseCommitSizes } from './commit-sizes.js';
import { parseSummary, serializeSummary, summaryMetadata, summaryRefFromCommit } from './summary.js';
import { vardictGet } from './gvariant/value.js';
import { S_IFLNK, S_IFMT } from './validate.js';

let fx: OstreeFixture;
beforeAll(() => {
  fx = makeOstreeFixture();
});
afterAll(() => fx?.cleanup());

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

describe('metadata objects written by ostree', () => {
  it('parses and re-serializes every commit, dirtree and dirmeta to the same bytes and checksum', () => {
    const counts: Record<string, number> = {};
    for (const repo of [fx.archive, fx.bareUser]) {
      for (const [csum, type, path] of listObjects(repo)) {
        const bytes = new Uint8Array(readFileSync(path));
        let again: Uint8Array;
        if (type === 'commit') again = serializeCommit(parseCommit(bytes));
        else if (type === 'dirtree') again = serializeDirTree(parseDirTree(bytes));
        else if (type === 'dirmeta') again = serializeDirMeta(parseDirMeta(bytes));
        else continue;
        counts[type] = (counts[type] ?? 0) + 1;
        expect(hex(again), `${type} ${csum}`).toBe(hex(bytes));
        expect(sha256Hex(again)).toBe(csum);
      }
    }
    expect(counts.commit).toBeGreaterThanOrEqual(4);
    expect(counts.dirtree).toBeGreaterThanOrEqual(5);
    expect(counts.dirmeta).toBeGreaterThanOrEqual(3);
  });

  it('reads commit fields as ostree shows them', () => {
    const [c1, c2] = fx.commits;
    const one = parseCommit(new Uint8Array(readFileSync(join(fx.archive, 'objects', c1!.slice(0, 2), `${c1!.slice(2)}.commit`))));
    expect(one.subject).toBe('first');
    expect(one.parent).toBeNull();
    expect(one.timestamp).toBe(Date.parse('2023-11-14T22:13:20Z') / 1000);
    expect(vardictGet(one.metadata, 'version', 's')).toBe('1.0');
    expect(vardictGet(one.metadata, 'answer', 'u')).toBe(42);
    expect(vardictGet(one.metadata, 'ostree.ref-binding', 'as')).toEqual(['main']);
    const two = parseCommit(new Uint8Array(readFileSync(join(fx.archive, 'objects', c2!.slice(0, 2), `${c2!.slice(2)}.commit`))));
    expect(two.parent).toBe(c1);
    expect(two.body).toBe('a body\nwith lines');
    expect(ostree(fx.archive, 'rev-parse', `${c2}^`)).toBe(c1);
    // --generate-sizes: one entry per object, with the .filez / object file sizes.
    const sizesValue = vardictGet(two.metadata, 'ostree.sizes', 'aay') as Uint8Array[];
    const sizes = parseCommitSizes(sizesValue);
    expect(sizes.length).toBeGreaterThan(300);
    for (const e of sizes) {
      const suffix = e.type === 'file' ? 'filez' : e.type!;
      const path = join(fx.archive, 'objects', e.checksum.slice(0, 2), `${e.checksum.slice(2)}.${suffix}`);
      expect(readFileSync(path).length, path).toBe(e.archived);
      if (e.type !== 'file') expect(e.unpacked).toBe(e.archived);
      else {
        // unpacked = content size, or the target length for a symlink
        const h = parseFilezHeader(new Uint8Array(readFileSync(path))).header;
        expect(e.unpacked).toBe((h.mode & S_IFMT) === S_IFLNK ? Buffer.byteLength(h.symlinkTarget) : h.size);
      }
    }
    const again = commitSizesVariant(sizes).value as Uint8Array[];
    expect(again.map(hex)).toEqual(sizesValue.map(hex));
    const ls = ostree(fx.archive, 'ls', c2!, '-C', '-d', '/');
    expect(ls).toContain(two.rootTree);
    expect(ls).toContain(two.rootMeta);
  });

  it('reads the detached metadata, the tombstone and the summary', () => {
    const [c1, c2] = fx.commits;
    const metaPath = join(fx.archive, 'objects', c1!.slice(0, 2), `${c1!.slice(2)}.commitmeta`);
    const metaBytes = new Uint8Array(readFileSync(metaPath));
    const meta = parseDetachedMetadata(metaBytes);
    expect(vardictGet(meta, 'note', 's')).toBe('detached');
    expect(hex(serializeDetachedMetadata(meta))).toBe(hex(metaBytes));

    const t = fx.tombstoned;
    const tombBytes = new Uint8Array(readFileSync(join(fx.archive, 'objects', t.slice(0, 2), `${t.slice(2)}.tombstone-commit`)));
    expect(parseTombstone(tombBytes)).toBe(t);
    expect(hex(serializeTombstone(t))).toBe(hex(tombBytes));

    const sumBytes = new Uint8Array(readFileSync(join(fx.archive, 'summary')));
    const summary = parseSummary(sumBytes);
    expect(hex(serializeSummary(summary))).toBe(hex(sumBytes));
    expect(summary.refs.map((r) => r.name)).toEqual(['main', 'other/branch', 'versioned']);
    expect(vardictGet(summary.refs[2]!.metadata, 'ostree.commit.version', 's')).toBe('9.9');
    const main = summary.refs[0]!;
    expect(main.checksum).toBe(c2);
    const commitFile = join(fx.archive, 'objects', c2!.slice(0, 2), `${c2!.slice(2)}.commit`);
    expect(main.commitSize).toBe(readFileSync(commitFile).length);
    expect(vardictU64BE(main.metadata, 'ostree.commit.timestamp')).toBe(Date.parse('2024-01-01T00:00:00Z') / 1000);

    // Rebuild the summary from the refs and commit objects: same bytes as `ostree summary -u`.
    const refs = ostree(fx.archive, 'refs').split('\n').filter(Boolean).map((name) => {
      const csum = ostree(fx.archive, 'rev-parse', name);
      return summaryRefFromCommit(name, new Uint8Array(readFileSync(join(fx.archive, 'objects', csum.slice(0, 2), `${csum.slice(2)}.commit`))));
    });
    const rebuilt = serializeSummary({
      refs,
      metadata: summaryMetadata({ mode: 'archive-z2', lastModified: vardictU64BE(summary.metadata, 'ostree.summary.last-modified')!, tombstoneCommits: true }),
    });
    expect(hex(rebuilt)).toBe(hex(sumBytes));
  });
});

describe('content objects written by ostree', () => {
  it('recomputes the checksum of every .filez object and re-encodes its header', async () => {
    let n = 0;
    let symlinks = 0;
    for (const [csum, type, path] of listObjects(fx.archive)) {
      if (type !== 'filez') continue;
      const bytes = new Uint8Array(readFileSync(path));
      const { header, payloadOffset } = parseFilezHeader(bytes);
      expect(hex(serializeFilezHeader(header))).toBe(hex(bytes.subarray(0, payloadOffset)));
      const decoded = await decodeFilez(createReadStream(path, { highWaterMark: 4096 }));
      const content = await collect(decoded.content);
      expect(content.length).toBe(header.size);
      expect(contentChecksum(header, content), path).toBe(csum);
      if ((header.mode & S_IFMT) === S_IFLNK) symlinks++;
      // Our encoder's output decodes to the same object (compressed bytes may differ by zlib build).
      const ours = await collect(encodeFilez(header, [content]));
      const back = await decodeFilez((async function* () { yield ours; })());
      expect((await collect(back.content)).equals(content)).toBe(true);
      n++;
    }
    expect(n).toBeGreaterThan(300);
    expect(symlinks).toBe(2);
  });

  it('recomputes the checksum of every bare-user object from its user.ostreemeta xattr', async () => {
    let n = 0;
    let links = 0;
    for (const [csum, type, path] of listObjects(fx.bareUser)) {
      if (type !== 'file') continue;
      const line = run('getfattr', ['--absolute-names', '-e', 'hex', '-n', 'user.ostreemeta', path]);
      const metaHex = /user\.ostreemeta=0x([0-9a-f]*)/.exec(line)![1]!;
      const metaBytes = new Uint8Array(Buffer.from(metaHex, 'hex'));
      const meta = parseFileMeta(metaBytes);
      expect(hex(serializeFileMeta(meta))).toBe(hex(metaBytes));
      const isLink = (meta.mode & S_IFMT) === S_IFLNK;
      // bare-user stores a symlink as a regular file holding the target and a trailing NUL.
      const symlinkTarget = isLink ? readFileSync(path, 'utf8').replace(/\0$/, '') : '';
      const header = { uid: meta.uid, gid: meta.gid, mode: meta.mode, rdev: 0, symlinkTarget, xattrs: meta.xattrs };
      const sum = isLink ? contentChecksum(header) : await contentChecksumStream(header, createReadStream(path));
      expect(sum, path).toBe(csum);
      n++;
      if (isLink) links++;
    }
    expect(n).toBeGreaterThan(300);
    expect(links).toBe(2);
  });
});

describe('mb64', () => {
  it('round-trips checksums through ostree modified base64', () => {
    for (const c of fx.commits) expect(checksumFromMb64(checksumToMb64(c))).toBe(c);
    const allSlash = 'ff'.repeat(32);
    expect(checksumToMb64(allSlash)).toMatch(/^_+8$/);
  });
});
