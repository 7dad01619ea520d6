/** Unit tests and the should-fail corpus for every object parser. */
import { describe, expect, it } from 'vitest';
import { deflateRawSync } from 'node:zlib';
import { serializeGVariant } from './gvariant/serialize.js';
import { Variant } from './gvariant/value.js';
import { OSTREE_MAX_METADATA_SIZE, checksumFromMb64, checksumToBytes, checksumToMb64, checksumFromBytes } from './checksum.js';
import { parseCommit, serializeCommit, type Commit } from './commit.js';
import { parseDirMeta, serializeDirMeta } from './dirmeta.js';
import { parseDirTree, scanDirTree, serializeDirTree } from './dirtree.js';
import { contentChecksum, fileHeaderStreamPrefix, framedHeaderLength, parseFileHeaderStream, parseFilezHeader, serializeFileHeader, serializeFilezHeader, type FileHeader } from './file-header.js';
import { decodeFilez, encodeFilez } from './filez.js';
import { parseTombstone, parseVarDict, serializeTombstone, serializeVarDict, variantString } from './metadata.js';
import { parseSummary, serializeSummary } from './summary.js';
import { canonicalizeXattrs, xattrsToGVariant } from './xattrs.js';
import { commitSizesVariant, parseCommitSizes } from './commit-sizes.js';
import { bswap32, bswap64 } from './validate.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
const raw = (hex: string): Uint8Array => checksumToBytes(hex);

function expectCode(f: () => unknown, code: string): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toMatchObject({ code });
}

async function expectRejects(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toMatchObject({ code });
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

async function* chunks(b: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

const commit: Commit = {
  metadata: [['version', new Variant('s', '42')]],
  parent: A,
  related: [{ name: 'x', checksum: B }],
  subject: 's',
  body: 'b',
  timestamp: 1_700_000_000,
  rootTree: B,
  rootMeta: C,
};

const rawDirTree = (files: [string, Uint8Array][], dirs: [string, Uint8Array, Uint8Array][]): Uint8Array => serializeGVariant('(a(say)a(sayay))', [files, dirs]);

describe('commit', () => {
  it('round-trips and stores the timestamp big-endian', () => {
    const bytes = serializeCommit(commit);
    expect(parseCommit(bytes)).toEqual({ ...commit, metadata: commit.metadata });
    expect(Buffer.from(bytes).includes(Buffer.from([0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00]))).toBe(true);
    expect(parseCommit(serializeCommit({ ...commit, parent: null })).parent).toBeNull();
  });

  const base = (parent: Uint8Array, tree: Uint8Array, meta: Uint8Array, related: [string, Uint8Array][] = []): Uint8Array =>
    serializeGVariant('(a{sv}aya(say)sstayay)', [[], parent, related, '', '', 0n, tree, meta]);
  it.each([
    ['a 31-byte parent', () => base(new Uint8Array(31), raw(A), raw(B))],
    ['a 33-byte root tree', () => base(new Uint8Array(0), new Uint8Array(33), raw(B))],
    ['an empty root meta', () => base(new Uint8Array(0), raw(A), new Uint8Array(0))],
    ['a short related checksum', () => base(new Uint8Array(0), raw(A), raw(B), [['r', new Uint8Array(5)]])],
    ['truncated bytes', () => serializeCommit(commit).subarray(0, 40)],
    ['a bad framing offset', () => {
      const b = serializeCommit(commit);
      b[b.length - 1] = 0xff;
      return b;
    }],
    ['a timestamp beyond 2^53', () => serializeGVariant('(a{sv}aya(say)sstayay)', [[], new Uint8Array(0), [], '', '', bswap64(1n << 60n), raw(A), raw(B)])],
  ])('refuses a commit with %s', (_name, make) => expectCode(() => parseCommit(make()), 'Parse'));

  it('refuses an oversized commit before parsing', () => {
    const big = new Uint8Array(OSTREE_MAX_METADATA_SIZE + 1);
    expectCode(() => parseCommit(big), 'Parse');
  });
});

describe('dirtree', () => {
  it('writes exactly what the generic GVariant serializer writes, for every offset size', () => {
    const r = (n: number): number => Math.floor(Math.random() * n);
    const csum = (): string => Array.from({ length: 64 }, () => '0123456789abcdef'[r(16)]).join('');
    for (const [nFiles, nDirs, maxLen] of [[0, 0, 5], [1, 0, 5], [0, 1, 5], [3, 2, 240], [40, 30, 30], [2000, 300, 60], [5, 5, 250]] as const) {
      const names = new Set<string>();
      while (names.size < nFiles + nDirs) names.add(`${['', 'é', 'Z', '_'][r(4)]}n${r(1e9)}${'x'.repeat(r(maxLen))}`);
      const all = [...names];
      const tree = {
        files: all.slice(0, nFiles).map((name) => ({ name, checksum: csum() })),
        dirs: all.slice(nFiles).map((name) => ({ name, treeChecksum: csum(), metaChecksum: csum() })),
      };
      const fast = serializeDirTree(tree);
      const sorted = parseDirTree(fast);
      const generic = serializeGVariant('(a(say)a(sayay))', [
        sorted.files.map((f) => [f.name, raw(f.checksum)]),
        sorted.dirs.map((d) => [d.name, raw(d.treeChecksum), raw(d.metaChecksum)]),
      ]);
      expect(Buffer.from(fast).equals(Buffer.from(generic)), `${nFiles}/${nDirs}`).toBe(true);
      expect(new Set(sorted.files.map((f) => f.name))).toEqual(new Set(tree.files.map((f) => f.name)));
    }
  });

  it('sorts on serialize (strcmp order) and round-trips', () => {
    const tree = {
      files: [
        { name: 'b', checksum: A },
        { name: 'B', checksum: A },
        { name: 'é', checksum: B },
        { name: 'a', checksum: C },
      ],
      dirs: [{ name: 'usr', treeChecksum: A, metaChecksum: B }],
    };
    const parsed = parseDirTree(serializeDirTree(tree));
    expect(parsed.files.map((f) => f.name)).toEqual(['B', 'a', 'b', 'é']);
    expect(parsed.dirs).toEqual(tree.dirs);
  });

  it('scans a dirtree to byte positions that decode to what parseDirTree returns', () => {
    const bytes = serializeDirTree({
      files: [
        { name: 'b', checksum: A },
        { name: 'é', checksum: B },
        { name: 'a-longer-name.so.1', checksum: C },
      ],
      dirs: [
        { name: 'usr', treeChecksum: A, metaChecksum: B },
        { name: 'ünïcode', treeChecksum: C, metaChecksum: A },
      ],
    });
    const scan = scanDirTree(bytes);
    const buf = Buffer.from(bytes);
    const hex = (at: number): string => buf.toString('hex', at, at + 32);
    const files = [];
    for (let i = 0; i < scan.files.length; i += 3) files.push({ name: buf.toString('utf8', scan.files[i], scan.files[i + 1]), checksum: hex(scan.files[i + 2]!) });
    const dirs = [];
    for (let i = 0; i < scan.dirs.length; i += 4) {
      dirs.push({ name: buf.toString('utf8', scan.dirs[i], scan.dirs[i + 1]), treeChecksum: hex(scan.dirs[i + 2]!), metaChecksum: hex(scan.dirs[i + 3]!) });
    }
    expect({ files, dirs }).toEqual(parseDirTree(bytes));
  });

  it.each(['', '.', '..', 'a/b', '/'])('refuses to serialize the name %j', (name) => {
    expectCode(() => serializeDirTree({ files: [{ name, checksum: A }], dirs: [] }), 'InvalidArgument');
  });

  it('refuses to serialize bad checksums', () => {
    expectCode(() => serializeDirTree({ files: [{ name: 'a', checksum: A.toUpperCase() }], dirs: [] }), 'InvalidArgument');
    expectCode(() => serializeDirTree({ files: [], dirs: [{ name: 'a', treeChecksum: A, metaChecksum: 'x' }] }), 'InvalidArgument');
  });

  it('refuses to serialize duplicates', () => {
    expectCode(() => serializeDirTree({ files: [{ name: 'x', checksum: A }, { name: 'x', checksum: B }], dirs: [] }), 'InvalidArgument');
    expectCode(() => serializeDirTree({ files: [{ name: 'x', checksum: A }], dirs: [{ name: 'x', treeChecksum: A, metaChecksum: B }] }), 'InvalidArgument');
  });

  it.each([
    ['a .. file', () => rawDirTree([['..', raw(A)]], [])],
    ['a . directory', () => rawDirTree([], [['.', raw(A), raw(B)]])],
    ['an empty name', () => rawDirTree([['', raw(A)]], [])],
    ['a name with a slash', () => rawDirTree([['etc/passwd', raw(A)]], [])],
    ['an absolute name', () => rawDirTree([], [['/', raw(A), raw(B)]])],
    ['unsorted files', () => rawDirTree([['b', raw(A)], ['a', raw(A)]], [])],
    ['duplicate files', () => rawDirTree([['a', raw(A)], ['a', raw(B)]], [])],
    ['unsorted directories', () => rawDirTree([], [['z', raw(A), raw(B)], ['y', raw(A), raw(B)]])],
    ['a name that is both a file and a directory', () => rawDirTree([['x', raw(A)]], [['x', raw(A), raw(B)]])],
    ['a short file checksum', () => rawDirTree([['a', new Uint8Array(31)]], [])],
    ['a long dirmeta checksum', () => rawDirTree([], [['a', raw(A), new Uint8Array(64)]])],
    ['truncated bytes', () => rawDirTree([['a', raw(A)], ['b', raw(B)]], []).subarray(0, 50)],
    ['garbage', () => new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])],
    [
      'a name that is not UTF-8',
      () => {
        const b = Buffer.from(rawDirTree([['aXb', raw(A)]], []));
        b[b.indexOf('aXb') + 1] = 0xff;
        return new Uint8Array(b);
      },
    ],
    ['non-ASCII names out of byte order', () => rawDirTree([['é', raw(A)], ['z', raw(A)]], [])],
  ])('refuses a dirtree with %s', (_name, make) => {
    expectCode(() => parseDirTree(make()), 'Parse');
    expectCode(() => scanDirTree(make()), 'Parse');
  });
});

describe('dirmeta', () => {
  it('stores uid, gid and mode big-endian with sorted xattrs', () => {
    const bytes = serializeDirMeta({ uid: 1000, gid: 1001, mode: 0o40755, xattrs: [{ name: 'user.z', value: Uint8Array.of(1) }, { name: 'security.selinux', value: Uint8Array.of(2) }] });
    expect(Buffer.from(bytes.subarray(0, 12)).toString('hex')).toBe('000003e8000003e9000041ed');
    const back = parseDirMeta(bytes);
    expect(back.xattrs.map((x) => x.name)).toEqual(['security.selinux', 'user.z']);
    expect(back.mode).toBe(0o40755);
  });

  it.each([
    ['a regular file mode', 0o100644],
    ['a symlink mode', 0o120777],
    ['unknown mode bits', 0o1040755],
  ])('refuses %s', (_n, mode) => {
    const bytes = serializeGVariant('(uuua(ayay))', [0, 0, bswap32(mode), []]);
    expectCode(() => parseDirMeta(bytes), 'Parse');
    expectCode(() => serializeDirMeta({ uid: 0, gid: 0, mode, xattrs: [] }), 'InvalidArgument');
  });

  it.each([
    ['without a NUL', Uint8Array.of(0x61)],
    ['with an inner NUL', Uint8Array.of(0x61, 0, 0x62, 0)],
    ['empty', Uint8Array.of(0)],
  ])('refuses an xattr name %s', (_n, name) => {
    const bytes = serializeGVariant('(uuua(ayay))', [0, 0, bswap32(0o40755), [[name, Uint8Array.of(1)]]]);
    expectCode(() => parseDirMeta(bytes), 'Parse');
  });
});

describe('xattrs', () => {
  it('sorts by strcmp of the names and NUL-terminates them', () => {
    const sorted = canonicalizeXattrs([{ name: 'user.b', value: new Uint8Array() }, { name: 'user.B', value: new Uint8Array() }, { name: 'trusted.a', value: new Uint8Array() }]);
    expect(sorted.map((x) => x.name)).toEqual(['trusted.a', 'user.B', 'user.b']);
    expect(Array.from(xattrsToGVariant([{ name: 'ab', value: new Uint8Array() }])[0]![0])).toEqual([0x61, 0x62, 0]);
    expectCode(() => xattrsToGVariant([{ name: 'a\0b', value: new Uint8Array() }]), 'InvalidArgument');
  });
});

describe('file headers', () => {
  const reg: FileHeader = { uid: 0, gid: 0, mode: 0o100644, rdev: 0, symlinkTarget: '', xattrs: [] };
  const link: FileHeader = { ...reg, mode: 0o120777, symlinkTarget: 'a' };

  it('matches the checksums ostree gives (hello, empty file, symlink)', () => {
    // Objects from `ostree commit` of a tree with "hello\n", an empty file and a symlink to "a".
    expect(contentChecksum(reg, Buffer.from('hello\n'))).toBe('44f778e59f0a4748d6b0c90a47347212a231c4ad1e8f7ea5c5dffc7749153a6b');
    expect(contentChecksum(reg)).toBe('cc700d46f407c6c5ab2d5dde474366a928b7398277e61162e7f8ec06f469f07e');
    expect(contentChecksum(link)).toBe('438802d990f25270d36f902bc9ce9d0737b88f9ae0b41ed59ec9e47c28523e0a');
  });

  it('frames the header with a big-endian length and 4 NUL bytes', () => {
    const p = fileHeaderStreamPrefix(reg);
    expect(framedHeaderLength(p)).toBe(p.length);
    expect(Buffer.from(p.subarray(0, 8)).toString('hex')).toBe(`000000${(p.length - 8).toString(16).padStart(2, '0')}00000000`);
    expect(parseFileHeaderStream(p)).toEqual({ header: reg, contentOffset: p.length });
  });

  const framed = (variant: Uint8Array): Uint8Array => {
    const out = new Uint8Array(8 + variant.length);
    new DataView(out.buffer).setUint32(0, variant.length);
    out.set(variant, 8);
    return out;
  };
  const filez = (size: bigint, mode: number, rdev: number, target: string): Uint8Array =>
    framed(serializeGVariant('(tuuuusa(ayay))', [bswap64(size), 0, 0, bswap32(mode), bswap32(rdev), target, []]));

  it.each([
    ['a directory mode', () => filez(0n, 0o40755, 0, '')],
    ['a device mode', () => filez(0n, 0o20644, 0, '')],
    ['a non-zero rdev', () => filez(0n, 0o100644, 5, '')],
    ['a symlink without target', () => filez(0n, 0o120777, 0, '')],
    ['a regular file with a target', () => filez(0n, 0o100644, 0, 'x')],
    ['a symlink with a size', () => filez(10n, 0o120777, 0, 'x')],
    ['a symlink target over PATH_MAX', () => filez(0n, 0o120777, 0, 'x'.repeat(5000))],
    ['a size beyond 2^53', () => filez(1n << 62n, 0o100644, 0, '')],
    ['a truncated header', () => filez(0n, 0o100644, 0, '').subarray(0, 20)],
    ['a header length past the end', () => {
      const b = filez(0n, 0o100644, 0, '');
      b[3] = 0xff;
      return b;
    }],
    ['non-zero framing padding', () => {
      const b = filez(0n, 0o100644, 0, '');
      b[5] = 1;
      return b;
    }],
    ['an absurd header length', () => Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0)],
    ['fewer than 8 bytes', () => Uint8Array.of(0, 0, 0)],
  ])('refuses a .filez header with %s', (_n, make) => expectCode(() => parseFilezHeader(make()), 'Parse'));

  it('refuses to serialize headers ostree cannot store', () => {
    expectCode(() => serializeFileHeader({ ...reg, mode: 0o40755 }), 'InvalidArgument');
    expectCode(() => serializeFileHeader({ ...link, symlinkTarget: '' }), 'InvalidArgument');
    expectCode(() => serializeFilezHeader({ ...reg, size: -1 }), 'InvalidArgument');
  });
});

describe('.filez streams', () => {
  const reg = { uid: 0, gid: 0, mode: 0o100644, rdev: 0, symlinkTarget: '', xattrs: [] };
  const content = Buffer.concat([Buffer.alloc(100_000, 1), Buffer.from('tail')]);

  it('encodes and decodes in chunks, matching ostree\'s bytes for a small file', async () => {
    const obj = await collect(encodeFilez({ ...reg, size: content.length }, chunks(content, 1000)));
    const d = await decodeFilez(chunks(obj, 13));
    expect((await collect(d.content)).equals(content)).toBe(true);
    // "hello\n" exactly as ostree 2022.7 wrote it (level 6 raw deflate)
    const hello = await collect(encodeFilez({ ...reg, size: 6 }, [Buffer.from('hello\n')]));
    expect(Buffer.from(hello).toString('hex')).toBe(
      '0000001a00000000' + '0000000000000006' + '00000000' + '00000000' + '000081a4' + '00000000' + '00' + '19' + 'cb48cdc9c9e70200',
    );
  });

  it('refuses content whose length differs from the header', async () => {
    await expectRejects(collect(encodeFilez({ ...reg, size: 5 }, [Buffer.from('hello\n')])), 'InvalidArgument');
  });

  it('stops a decompression bomb at the declared size', async () => {
    const header = serializeFilezHeader({ ...reg, size: 10 });
    const bomb = deflateRawSync(Buffer.alloc(50_000_000));
    const d = await decodeFilez(chunks(Buffer.concat([header, bomb]), 4096));
    await expectRejects(collect(d.content), 'Corrupt');
  });

  it('refuses truncated or corrupt payloads', async () => {
    const obj = await collect(encodeFilez({ ...reg, size: content.length }, [content]));
    const short = await decodeFilez(chunks(obj.subarray(0, obj.length - 10), 4096));
    await expectRejects(collect(short.content), 'Corrupt');
    const bad = Buffer.from(obj);
    bad.fill(0xff, 60, 80);
    const corrupt = await decodeFilez(chunks(bad, 4096));
    await expectRejects(collect(corrupt.content), 'Corrupt');
    await expectRejects(decodeFilez(chunks(obj.subarray(0, 4))), 'Parse');
    const linkObj = Buffer.concat([serializeFilezHeader({ ...reg, mode: 0o120777, symlinkTarget: 'a', size: 0 }), Buffer.from('junk')]);
    await expectRejects(decodeFilez(chunks(linkObj, 4096)), 'Corrupt');
  });
});

describe('metadata, tombstones, summary', () => {
  it('round-trips a{sv}', () => {
    const d = [['version', variantString('1')], ['n', new Variant('u', 3)]] as [string, Variant][];
    expect(parseVarDict(serializeVarDict(d))).toEqual(d);
  });

  it('refuses broken tombstones', () => {
    expect(parseTombstone(serializeTombstone(A))).toBe(A);
    expectCode(() => parseTombstone(serializeVarDict([])), 'Parse');
    expectCode(() => parseTombstone(serializeVarDict([['commit', variantString(A)]])), 'Parse');
    expectCode(() => parseTombstone(serializeVarDict([['commit', new Variant('ay', new Uint8Array(65))]])), 'Parse');
    expectCode(() => serializeTombstone('../' + A.slice(3)), 'InvalidArgument');
  });

  it('sorts summary refs and refuses unsorted or duplicate ones on parse', () => {
    const s = serializeSummary({ refs: [{ name: 'b', commitSize: 5, checksum: A, metadata: [] }, { name: 'a', commitSize: 6, checksum: B, metadata: [] }], metadata: [] });
    expect(parseSummary(s).refs.map((r) => r.name)).toEqual(['a', 'b']);
    // commit size is little-endian
    expect(Buffer.from(s).includes(Buffer.from('0600000000000000', 'hex'))).toBe(true);
    const entry = (name: string, c: string): unknown => [name, [1n, raw(c), []]];
    const unsorted = serializeGVariant('(a(s(taya{sv}))a{sv})', [[entry('b', A), entry('a', B)], []] as never);
    expectCode(() => parseSummary(unsorted), 'Parse');
    const dup = serializeGVariant('(a(s(taya{sv}))a{sv})', [[entry('a', A), entry('a', B)], []] as never);
    expectCode(() => parseSummary(dup), 'Parse');
    expectCode(() => serializeSummary({ refs: [{ name: 'a', commitSize: 1, checksum: A, metadata: [] }, { name: 'a', commitSize: 1, checksum: A, metadata: [] }], metadata: [] }), 'InvalidArgument');
  });
});

describe('checksums', () => {
  it('converts hex, bytes and mb64', () => {
    expect(checksumFromBytes(raw(A))).toBe(A);
    expect(checksumToMb64(A)).toHaveLength(43);
    expect(checksumFromMb64(checksumToMb64(B))).toBe(B);
    expectCode(() => checksumFromBytes(new Uint8Array(31)), 'Parse');
    expectCode(() => checksumToBytes(A.toUpperCase()), 'InvalidArgument');
    expectCode(() => checksumFromMb64('short'), 'InvalidArgument');
    expectCode(() => checksumFromMb64('/'.repeat(43)), 'InvalidArgument');
  });
});

describe('ostree.sizes', () => {
  it('round-trips entries with and without object types and refuses malformed ones', () => {
    const entries = [
      { checksum: B, archived: 300, unpacked: 70000, type: 'file' as const },
      { checksum: A, archived: 90, unpacked: 90, type: 'dirtree' as const },
      { checksum: C, archived: 5, unpacked: 6 },
    ];
    const v = commitSizesVariant(entries);
    expect(parseCommitSizes(v.value as Uint8Array[])).toEqual([entries[1], entries[0], entries[2]]);
    const good = (v.value as Uint8Array[])[0]!;
    expectCode(() => parseCommitSizes([good.subarray(0, 20)]), 'Parse');
    expectCode(() => parseCommitSizes([Uint8Array.of(...good, 1, 1)]), 'Parse');
    expectCode(() => parseCommitSizes([Uint8Array.of(...good.subarray(0, good.length - 1), 99)]), 'Parse');
    expectCode(() => parseCommitSizes([Uint8Array.of(...raw(A), 0x80, 0x80)]), 'Parse');
  });
});
