/**
 * Mutation fuzzing of every parser in src/format: thousands of truncated, bit-flipped, spliced and
 * extended inputs derived from valid objects. Each parse must either succeed or throw a typed
 * tsostree error (ParseError, CorruptError…): never a TypeError, RangeError or a hang.
 */
import { describe, expect, it } from 'vitest';
import { isTsostreeError } from '@tsostree/errors';
import { rng } from '../../test/gvariant-random.js';
import { Variant } from './gvariant/value.js';
import { parseGVariantText } from './gvariant/text-parse.js';
import { formatGVariantText } from './gvariant/text.js';
import { parseCommit, serializeCommit } from './commit.js';
import { parseDirMeta, parseFileMeta, serializeDirMeta } from './dirmeta.js';
import { parseDirTree, serializeDirTree } from './dirtree.js';
import { parseFileHeaderStream, parseFilezHeader, fileHeaderStreamPrefix, serializeFilezHeader } from './file-header.js';
import { parseDetachedMetadata, parseTombstone, serializeTombstone, serializeVarDict } from './metadata.js';
import { parseSummary, serializeSummary } from './summary.js';
import { decodeDeltaOps, encodeDeltaOps, parseDeltaIndex, parseDeltaPartPayload, parseDeltaSuperblock, serializeDeltaIndex, serializeDeltaPartPayload, serializeDeltaSuperblock } from './static-delta.js';
import { parseFileXattrs, serializeFileXattrs } from './xattrs.js';

const A = 'a'.repeat(64);
const B = '0123456789abcdef'.repeat(4);
const xattrs = [{ name: 'user.a', value: Uint8Array.of(1, 2) }, { name: 'security.selinux', value: new TextEncoder().encode('system_u:object_r:bin_t:s0\0') }];
const commit = {
  metadata: [['version', new Variant('s', '1')], ['ostree.ref-binding', new Variant('as', ['main'])]] as [string, Variant][],
  parent: A,
  related: [{ name: 'r', checksum: B }],
  subject: 'subject',
  body: 'body',
  timestamp: 1_700_000_000,
  rootTree: A,
  rootMeta: B,
};
const payload = { modes: [{ uid: 0, gid: 0, mode: 0o100644 }], xattrs: [xattrs], rawData: new Uint8Array(64).fill(7), ops: encodeDeltaOps([{ op: 'open-splice-and-close', object: 0, mode: 0, xattrs: 0, length: 10, offset: 3 }]) };

const SAMPLES: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
  ['commit', serializeCommit(commit), parseCommit],
  ['dirtree', serializeDirTree({ files: Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, checksum: i % 2 ? A : B })), dirs: [{ name: 'usr', treeChecksum: A, metaChecksum: B }] }), parseDirTree],
  ['dirmeta', serializeDirMeta({ uid: 0, gid: 0, mode: 0o40755, xattrs }), parseDirMeta],
  ['filemeta', serializeDirMeta({ uid: 5, gid: 6, mode: 0o40700, xattrs: [] }), parseFileMeta],
  ['file header', fileHeaderStreamPrefix({ uid: 0, gid: 0, mode: 0o120777, rdev: 0, symlinkTarget: '../target', xattrs }), parseFileHeaderStream],
  ['filez header', serializeFilezHeader({ uid: 0, gid: 0, mode: 0o100755, rdev: 0, symlinkTarget: '', xattrs, size: 1234 }), parseFilezHeader],
  ['detached metadata', serializeVarDict([['ostree.gpgsigs', new Variant('aay', [Uint8Array.of(1, 2, 3)])], ['x', new Variant('v', new Variant('u', 1))]]), parseDetachedMetadata],
  ['tombstone', serializeTombstone(A), parseTombstone],
  ['summary', serializeSummary({ refs: [{ name: 'a', commitSize: 300, checksum: A, metadata: [] }, { name: 'b/c', commitSize: 1, checksum: B, metadata: [['ostree.commit.version', new Variant('s', '1')]] }], metadata: [['ostree.summary.mode', new Variant('s', 'archive-z2')]] }), parseSummary],
  ['file-xattrs', serializeFileXattrs(xattrs), parseFileXattrs],
  ['delta index', serializeDeltaIndex([{ name: `${A}-${B}`, superblockChecksum: A }]), parseDeltaIndex],
  ['delta part payload', serializeDeltaPartPayload(payload), (b) => decodeDeltaOps(parseDeltaPartPayload(b), [{ type: 'file', checksum: A }])],
  [
    'delta superblock',
    serializeDeltaSuperblock({
      metadata: [['ostree.endianness', new Variant('y', 0x6c)]],
      byteOrder: 'little',
      timestamp: 5,
      from: null,
      to: A,
      commit,
      prerequisites: [],
      parts: [{ version: 0, checksum: B, size: 10, uncompressedSize: 20, objects: [{ type: 'commit', checksum: A }] }],
      fallbacks: [],
    }),
    parseDeltaSuperblock,
  ],
];

function mutate(r: () => number, b: Uint8Array): Uint8Array {
  const out = Uint8Array.from(b);
  switch (Math.floor(r() * 6)) {
    case 0:
      return out.subarray(0, Math.floor(r() * out.length));
    case 1: {
      for (let k = 0; k < 1 + Math.floor(r() * 3); k++) out[Math.floor(r() * out.length)] ^= 1 << Math.floor(r() * 8);
      return out;
    }
    case 2: {
      const at = Math.max(0, out.length - 1 - Math.floor(r() * 8));
      out[at] = Math.floor(r() * 256);
      return out;
    }
    case 3:
      return Uint8Array.from([...out, ...Array.from({ length: 1 + Math.floor(r() * 40) }, () => Math.floor(r() * 256))]);
    case 4: {
      const from = Math.floor(r() * out.length);
      const len = Math.floor(r() * (out.length - from));
      return Uint8Array.from([...out.subarray(0, from), ...out.subarray(from + len)]);
    }
    default:
      return Uint8Array.from(Array.from({ length: Math.floor(r() * 120) }, () => Math.floor(r() * 256)));
  }
}

describe('parsers under mutation', () => {
  it.each(SAMPLES)('%s: every mutated input parses or throws a typed error', (_name, sample, parse) => {
    const r = rng(sample.length * 7919 + _name.length);
    expect(() => parse(sample)).not.toThrow();
    let typed = 0;
    for (let i = 0; i < 1500; i++) {
      const input = mutate(r, sample);
      try {
        parse(input);
      } catch (e) {
        if (!isTsostreeError(e)) throw new Error(`${_name}: untyped ${String(e)} for ${Buffer.from(input).toString('hex').slice(0, 200)}`);
        typed++;
      }
    }
    expect(typed).toBeGreaterThan(100);
  });

  it('GVariant text: every mutated text parses or throws a typed error', () => {
    const r = rng(42);
    const texts = [
      formatGVariantText('a{sv}', [['k', new Variant('(ias)', [1, ['x', "it's"]])], ['b', new Variant('ay', Uint8Array.of(104, 0))]]),
      "[@mi 1, nothing, just 3]",
      "{'a': <uint64 5>, 'b': <[1.5, -2e10]>}",
      "(objectpath '/a', signature 'a{sv}', b'x\\001', 0x1f, 017)",
    ];
    let typed = 0;
    for (let i = 0; i < 3000; i++) {
      const base = texts[i % texts.length]!;
      const chars = [...base];
      const k = Math.floor(r() * 4);
      if (k === 0) chars.splice(Math.floor(r() * chars.length), 1);
      else if (k === 1) chars.splice(Math.floor(r() * chars.length), 0, '[{(<@\'"\\,:>)}] 0xbnothingjust'[Math.floor(r() * 31)]!);
      else if (k === 2) chars.length = Math.floor(r() * chars.length);
      else chars[Math.floor(r() * chars.length)] = String.fromCharCode(Math.floor(r() * 128));
      try {
        parseGVariantText(chars.join(''));
      } catch (e) {
        if (!isTsostreeError(e)) throw new Error(`untyped ${String(e)} for ${JSON.stringify(chars.join(''))}`);
        typed++;
      }
    }
    expect(typed).toBeGreaterThan(500);
  });
});
