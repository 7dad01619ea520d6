// Builds small RPM files in memory for hostile-input tests: any file list in the header, any
// cpio archive (or raw bytes) as payload, digests right or deliberately wrong.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { buildCpio } from '../src/format/cpio.js';
import { buildRegionHeader, makeEntry, serializeHeader, type HeaderEntry } from '../src/format/header.js';
import { serializeLead, signaturePadding } from '../src/format/package.js';
import { SIG_TAG, TAG, TagType } from '../src/format/tags.js';

export interface CraftFile {
  path: string;
  /** Content for regular files, target for symlinks. */
  content?: string;
  mode?: number;
  linkTo?: string;
  inode?: number;
  /** Override the header digest. */
  digest?: string;
  user?: string;
  group?: string;
}

export interface CraftOptions {
  files: CraftFile[];
  /** Archive members; default: one per file, named `.${path}`, with the file's content. */
  archive?: Array<{ name: string; data?: Uint8Array; mode?: number; size?: number; ino?: number; nlink?: number }>;
  /** Raw payload bytes before compression (overrides `archive`). */
  rawPayload?: Uint8Array;
  /** Corrupt the recorded payload digest. */
  badPayloadDigest?: boolean;
}

const str = (tag: number, value: string): HeaderEntry => makeEntry(tag, { type: TagType.STRING, value });
const strs = (tag: number, values: string[]): HeaderEntry => makeEntry(tag, { type: TagType.STRING_ARRAY, values });
const i32 = (tag: number, values: number[]): HeaderEntry => makeEntry(tag, { type: TagType.INT32, values });
const i16 = (tag: number, values: number[]): HeaderEntry => makeEntry(tag, { type: TagType.INT16, values });

export function craftRpm(options: CraftOptions): Uint8Array {
  const enc = new TextEncoder();
  const files = options.files;
  const mode = (f: CraftFile) => f.mode ?? (f.linkTo !== undefined ? 0o120777 : 0o100644);
  const data = (f: CraftFile) => enc.encode(f.linkTo ?? f.content ?? '');
  const dirnames: string[] = [];
  const dirindexes: number[] = [];
  const basenames: string[] = [];
  for (const f of files) {
    const cut = f.path.lastIndexOf('/') + 1;
    const d = f.path.slice(0, cut);
    let k = dirnames.indexOf(d);
    if (k < 0) k = dirnames.push(d) - 1;
    dirindexes.push(k);
    basenames.push(f.path.slice(cut));
  }
  const archive =
    options.rawPayload ??
    buildCpio(
      options.archive ??
        files.map((f, i) => ({ name: '.' + f.path, data: (mode(f) & 0o170000) === 0o040000 ? new Uint8Array(0) : data(f), mode: mode(f), ino: f.inode ?? i + 1 })),
    );
  const payload = gzipSync(archive);
  const payloadDigest = createHash('sha256').update(payload).digest('hex');
  const entries: HeaderEntry[] = [
    str(TAG.NAME, 'crafted'),
    str(TAG.VERSION, '1'),
    str(TAG.RELEASE, '1'),
    str(TAG.ARCH, 'noarch'),
    str(TAG.OS, 'linux'),
    str(TAG.SOURCERPM, 'crafted-1-1.src.rpm'),
    str(TAG.PAYLOADFORMAT, 'cpio'),
    str(TAG.PAYLOADCOMPRESSOR, 'gzip'),
    str(TAG.PAYLOADFLAGS, '9'),
    strs(TAG.PAYLOADDIGEST, [options.badPayloadDigest ? '0'.repeat(64) : payloadDigest]),
    i32(TAG.PAYLOADDIGESTALGO, [8]),
  ];
  if (files.length) {
    entries.push(
      strs(TAG.BASENAMES, basenames),
      strs(TAG.DIRNAMES, dirnames),
      i32(TAG.DIRINDEXES, dirindexes),
      i32(TAG.FILESIZES, files.map((f) => ((mode(f) & 0o170000) === 0o040000 ? 4096 : data(f).length))),
      i16(TAG.FILEMODES, files.map(mode)),
      i32(TAG.FILEMTIMES, files.map(() => 1_600_000_000)),
      strs(TAG.FILEDIGESTS, files.map((f) => f.digest ?? ((mode(f) & 0o170000) === 0o100000 ? createHash('sha256').update(data(f)).digest('hex') : ''))),
      strs(TAG.FILELINKTOS, files.map((f) => f.linkTo ?? '')),
      i32(TAG.FILEFLAGS, files.map(() => 0)),
      strs(TAG.FILEUSERNAME, files.map((f) => f.user ?? 'root')),
      strs(TAG.FILEGROUPNAME, files.map((f) => f.group ?? 'root')),
      i32(TAG.FILEDEVICES, files.map(() => 1)),
      i32(TAG.FILEINODES, files.map((f, i) => f.inode ?? i + 1)),
      i32(TAG.FILEDIGESTALGO, [8]),
    );
  }
  const header = serializeHeader(buildRegionHeader(entries));
  const sig = serializeHeader(buildRegionHeader([i32(SIG_TAG.SIZE, [header.length + payload.length])], 62));
  const lead = serializeLead({ major: 3, minor: 0, type: 0, archnum: 0, name: 'crafted-1-1', osnum: 1, signatureType: 5 });
  const pad = new Uint8Array(signaturePadding(sig.length));
  return Buffer.concat([lead, sig, pad, header, payload]);
}
