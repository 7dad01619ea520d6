/**
 * Generating static deltas in ostree's superblock and part formats (what
 * `ostree static-delta generate` writes, re-implemented):
 *
 * - the objects of `to` that `from` lacks (all of them from scratch), minus the `to` commit
 *   itself, which travels inside the superblock with its detached metadata;
 * - metadata first, then files modified in place (same path in both commits) — as copy ranges
 *   from the old version plus the changed bytes when the edit keeps offsets (aligned-edit.ts,
 *   like ostree's rollsum matches), else as bsdiff patches — then new regular files, then
 *   symlinks: ostree's order;
 * - regular files above `minFallbackSize` (not bsdiffed) become fallback entries, fetched as
 *   loose objects by a pull;
 * - parts cut at `maxChunkSize`, xz-compressed (LZMA2, CRC64) and named by their SHA-256;
 *   `inline` stores them inside the superblock.
 *
 * Differences from ostree, on purpose: no rollsum chunking (exact in-place edits are found by a
 * linear compare, everything else goes to bsdiff, which gives smaller patches); a bsdiff patch is used only when it is not mostly literal data (an unrelated
 * rewrite at the same path travels whole instead); objects are laid out in tree order, so related
 * files sit next to each other for xz.
 */
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidArgumentError, fromSystemError, throwIfAborted } from '@tsostree/errors';
import { sha256Hex } from '../format/checksum.js';
import { parseCommit } from '../format/commit.js';
import { parseDirTree } from '../format/dirtree.js';
import { Variant } from '../format/gvariant/value.js';
import { parseDetachedMetadata } from '../format/metadata.js';
import {
  encodeDeltaOps,
  serializeDeltaPartPayload,
  serializeDeltaSuperblock,
  staticDeltaDir,
  staticDeltaName,
  type DeltaFallback,
  type DeltaMode,
  type DeltaObject,
  type DeltaOp,
  type DeltaPartMeta,
} from '../format/static-delta.js';
import type { XattrEntry } from '../format/xattrs.js';
import { S_IFMT, S_IFREG } from '../format/validate.js';
import { openContent, type ContentMeta } from '../repo-content.js';
import { objectPath, readCommitMeta, readMetadataObject } from '../repo-objects.js';
import type { Repo } from '../repo.js';
import { alignedEdit, type EditSegment } from './aligned-edit.js';
import { bsdiff } from './bsdiff.js';
import { xzCompress } from './delta-xz.js';

export type DeltaGenerateEvent =
  | { type: 'scan'; newMetadata: number; newFiles: number; modified: number }
  | { type: 'part'; index: number; objects: number; size: number; uncompressedSize: number };

export interface DeltaGenerateOptions {
  /** Source commit checksum, or null for a delta from scratch. */
  from: string | null;
  /** Target commit checksum. */
  to: string;
  /** Store parts inside the superblock (one-file delta). */
  inline?: boolean;
  /** Regular files above this many bytes become fallbacks; 0 disables (default 4,000,000 like ostree's 4 MB). */
  minFallbackSize?: number;
  /** Target part size in bytes (default 32,000,000). */
  maxChunkSize?: number;
  /** Files whose old+new size exceeds this are not bsdiffed (default 128,000,000). */
  maxBsdiffSize?: number;
  /** Use bsdiff for files modified in place (default true). */
  bsdiff?: boolean;
  /** Part compression (default xz, like ostree). */
  compression?: 'xz' | 'none';
  /** Write the superblock to this file (parts next to it) instead of the repository's `deltas/`. */
  filename?: string;
  /** Byte order of the superblock sizes (default little, ostree's on x86/arm). */
  endianness?: 'little' | 'big';
  /** Extra superblock metadata (first in the dict, like ostree). */
  metadata?: [string, Variant][];
  /** Superblock timestamp (seconds, default now). */
  timestamp?: number;
  signal?: AbortSignal;
  onProgress?: (event: DeltaGenerateEvent) => void;
}

export interface DeltaGenerateResult {
  name: string;
  from: string | null;
  to: string;
  /** Absolute path of the superblock file. */
  superblockPath: string;
  /** SHA-256 of the superblock file (what summaries and delta indexes record). */
  superblockChecksum: string;
  parts: DeltaPartMeta[];
  fallbacks: DeltaFallback[];
  /** Bytes a client downloads: superblock + parts + fallback objects. */
  totalSize: number;
  bsdiffObjects: number;
  /** Files sent as in-place edits (copy ranges from the old object plus literal bytes). */
  editObjects: number;
}

interface Scan {
  metadata: DeltaObject[];
  /** content checksum → first path it appears at. */
  files: Map<string, string>;
  /** path → content checksum. */
  byPath: Map<string, string>;
}

async function scanCommit(repo: Repo, commit: string, signal?: AbortSignal): Promise<Scan> {
  const c = parseCommit(await readMetadataObject(repo, 'commit', commit));
  const seen = new Set<string>();
  const out: Scan = { metadata: [], files: new Map(), byPath: new Map() };
  const walk = async (tree: string, meta: string, path: string): Promise<void> => {
    throwIfAborted(signal);
    if (!seen.has(`m${meta}`)) {
      seen.add(`m${meta}`);
      out.metadata.push({ type: 'dirmeta', checksum: meta });
    }
    const t = parseDirTree(await readMetadataObject(repo, 'dirtree', tree));
    if (!seen.has(`t${tree}`)) {
      seen.add(`t${tree}`);
      out.metadata.push({ type: 'dirtree', checksum: tree });
    }
    for (const f of t.files) {
      const p = `${path}/${f.name}`;
      out.byPath.set(p, f.checksum);
      if (!out.files.has(f.checksum)) out.files.set(f.checksum, p);
    }
    for (const d of t.dirs) await walk(d.treeChecksum, d.metaChecksum, `${path}/${d.name}`);
  };
  await walk(c.rootTree, c.rootMeta, '');
  return out;
}

async function readAll(repo: Repo, checksum: string): Promise<{ meta: ContentMeta; bytes: Uint8Array }> {
  const obj = await openContent(repo, checksum);
  const chunks: Buffer[] = [];
  if ((obj.meta.mode & S_IFMT) === S_IFREG) for await (const c of obj.stream()) chunks.push(c as Buffer);
  const buf = Buffer.concat(chunks);
  return { meta: obj.meta, bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) };
}

class PartBuilder {
  objects: DeltaObject[] = [];
  private chunks: Uint8Array[] = [];
  payloadLength = 0;
  uncompressedSize = 0;
  private ops: DeltaOp[] = [];
  private modes: DeltaMode[] = [];
  private modeIndex = new Map<string, number>();
  private xattrs: XattrEntry[][] = [];
  private xattrIndex = new Map<string, number>();

  private append(bytes: Uint8Array): number {
    const at = this.payloadLength;
    this.chunks.push(bytes);
    this.payloadLength += bytes.length;
    return at;
  }

  private modeXattrs(meta: ContentMeta): { mode: number; xattrs: number } {
    const mk = `${meta.uid}:${meta.gid}:${meta.mode}`;
    let mode = this.modeIndex.get(mk);
    if (mode === undefined) {
      mode = this.modes.length;
      this.modes.push({ uid: meta.uid, gid: meta.gid, mode: meta.mode });
      this.modeIndex.set(mk, mode);
    }
    const xk = JSON.stringify(meta.xattrs.map((x) => [x.name, Buffer.from(x.value).toString('hex')]));
    let xattrs = this.xattrIndex.get(xk);
    if (xattrs === undefined) {
      xattrs = this.xattrs.length;
      this.xattrs.push(meta.xattrs);
      this.xattrIndex.set(xk, xattrs);
    }
    return { mode, xattrs };
  }

  addMetadata(object: DeltaObject, bytes: Uint8Array): void {
    const offset = this.append(bytes);
    this.ops.push({ op: 'open-splice-and-close', object: this.objects.length, length: bytes.length, offset });
    this.objects.push(object);
    this.uncompressedSize += bytes.length;
  }

  addContent(checksum: string, meta: ContentMeta, bytes: Uint8Array): void {
    const { mode, xattrs } = this.modeXattrs(meta);
    const body = (meta.mode & S_IFMT) === S_IFREG ? bytes : new Uint8Array(Buffer.from(meta.symlinkTarget, 'utf8'));
    const offset = this.append(body);
    this.ops.push({ op: 'open-splice-and-close', object: this.objects.length, mode, xattrs, length: body.length, offset });
    this.objects.push({ type: 'file', checksum });
    this.uncompressedSize += bytes.length;
  }

  addBsdiff(checksum: string, meta: ContentMeta, size: number, source: string, patch: Uint8Array): void {
    const { mode, xattrs } = this.modeXattrs(meta);
    const object = this.objects.length;
    const src = this.append(Buffer.from(source, 'hex'));
    this.ops.push({ op: 'set-read-source', object, offset: src });
    this.ops.push({ op: 'open', object, mode, xattrs, size });
    const at = this.append(patch);
    this.ops.push({ op: 'bspatch', object, offset: at, length: patch.length });
    this.ops.push({ op: 'close', object });
    this.ops.push({ op: 'unset-read-source', object: object + 1 });
    this.objects.push({ type: 'file', checksum });
    this.uncompressedSize += size;
  }

  /**
   * An in-place edit (aligned-edit.ts): ranges written from the old object (read source set)
   * and literal runs from the payload (read source unset), like ostree's rollsum matches.
   */
  addEdit(checksum: string, meta: ContentMeta, size: number, source: string, segments: readonly (EditSegment & { bytes?: Uint8Array })[]): void {
    const { mode, xattrs } = this.modeXattrs(meta);
    const object = this.objects.length;
    const src = this.append(Buffer.from(source, 'hex'));
    this.ops.push({ op: 'open', object, mode, xattrs, size });
    let reading = false;
    for (const seg of segments) {
      if (seg.from === 'old') {
        if (!reading) this.ops.push({ op: 'set-read-source', object, offset: src });
        reading = true;
        this.ops.push({ op: 'write', object, offset: seg.offset, length: seg.length });
      } else {
        if (reading) this.ops.push({ op: 'unset-read-source', object });
        reading = false;
        const at = this.append(seg.bytes!);
        this.ops.push({ op: 'write', object, offset: at, length: seg.length });
      }
    }
    this.ops.push({ op: 'close', object });
    if (reading) this.ops.push({ op: 'unset-read-source', object: object + 1 });
    this.objects.push({ type: 'file', checksum });
    this.uncompressedSize += size;
  }

  async finish(compression: 'xz' | 'none'): Promise<{ bytes: Uint8Array; meta: DeltaPartMeta }> {
    const raw = Buffer.concat(this.chunks, this.payloadLength);
    const payload = serializeDeltaPartPayload({ modes: this.modes, xattrs: this.xattrs, rawData: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), ops: encodeDeltaOps(this.ops) });
    const body = compression === 'xz' ? await xzCompress(payload) : payload;
    const bytes = new Uint8Array(1 + body.length);
    bytes[0] = compression === 'xz' ? 0x78 : 0;
    bytes.set(body, 1);
    return { bytes, meta: { version: 0, checksum: sha256Hex(bytes), size: bytes.length, uncompressedSize: this.uncompressedSize, objects: this.objects } };
  }
}

/** A bsdiff patch is worth it unless it is mostly literal bytes (an unrelated rewrite). */
function patchIsUseful(patch: Uint8Array, size: number): boolean {
  let nonZero = 0;
  for (let i = 0; i < patch.length; i++) if (patch[i] !== 0) nonZero++;
  return nonZero < size * 0.75;
}

/** Generates the static delta `from` → `to` (see the module comment) and writes it. */
export async function generateStaticDelta(repo: Repo, options: DeltaGenerateOptions): Promise<DeltaGenerateResult> {
  const { from, to, signal, onProgress } = options;
  const minFallback = options.minFallbackSize ?? 4_000_000;
  const maxChunk = options.maxChunkSize ?? 32_000_000;
  const maxBsdiff = options.maxBsdiffSize ?? 128_000_000;
  const compression = options.compression ?? 'xz';
  if (!(maxChunk > 0)) throw new InvalidArgumentError('max chunk size must be positive');
  if (from === to) throw new InvalidArgumentError('a static delta needs two different commits');

  const commitBytes = await readMetadataObject(repo, 'commit', to);
  const commit = parseCommit(commitBytes);
  const target = await scanCommit(repo, to, signal);
  const source = from === null ? undefined : await scanCommit(repo, from, signal);
  const oldMeta = new Set(source?.metadata.map((m) => `${m.type}:${m.checksum}`) ?? []);
  const newMetadata = target.metadata.filter((m) => !oldMeta.has(`${m.type}:${m.checksum}`));
  const oldFiles = source?.files ?? new Map<string, string>();
  const newFiles = [...target.files].filter(([c]) => !oldFiles.has(c));

  // Classify new content: bsdiff candidates, fallbacks, plain regular files, symlinks.
  const bsdiffs: { checksum: string; meta: ContentMeta; size: number; source: string; patch: Uint8Array }[] = [];
  const edits: { checksum: string; meta: ContentMeta; size: number; source: string; segments: (EditSegment & { bytes?: Uint8Array })[] }[] = [];
  const regular: { checksum: string; size: number }[] = [];
  const symlinks: { checksum: string; meta: ContentMeta }[] = [];
  const fallbacks: DeltaFallback[] = [];
  for (const [checksum, path] of newFiles) {
    throwIfAborted(signal);
    const obj = await openContent(repo, checksum);
    if ((obj.meta.mode & S_IFMT) !== S_IFREG) {
      symlinks.push({ checksum, meta: obj.meta });
      continue;
    }
    const oldChecksum = source?.byPath.get(path);
    if (options.bsdiff !== false && oldChecksum && oldChecksum !== checksum) {
      const old = await openContent(repo, oldChecksum);
      if ((old.meta.mode & S_IFMT) === S_IFREG && old.size > 0 && obj.size > 0 && old.size + obj.size <= maxBsdiff && (old.meta.mode & 0o004) !== 0) {
        const [o, n] = [await readAll(repo, oldChecksum), await readAll(repo, checksum)];
        const segments = alignedEdit(o.bytes, n.bytes);
        if (segments) {
          // Only the literal runs are kept (copied out of the file's buffer).
          const withBytes = segments.map((seg) => (seg.from === 'new' ? { ...seg, bytes: n.bytes.slice(seg.offset, seg.offset + seg.length) } : seg));
          edits.push({ checksum, meta: n.meta, size: n.bytes.length, source: oldChecksum, segments: withBytes });
          continue;
        }
        const patch = bsdiff(o.bytes, n.bytes);
        if (patchIsUseful(patch, n.bytes.length)) {
          bsdiffs.push({ checksum, meta: n.meta, size: n.bytes.length, source: oldChecksum, patch });
          continue;
        }
      }
    }
    if (minFallback > 0 && obj.size > minFallback) {
      const st = await stat(objectPath(repo, checksum, 'file'));
      fallbacks.push({ type: 'file', checksum, compressedSize: st.size, uncompressedSize: obj.size });
      continue;
    }
    regular.push({ checksum, size: obj.size });
  }
  onProgress?.({ type: 'scan', newMetadata: newMetadata.length, newFiles: newFiles.length, modified: bsdiffs.length + edits.length });

  const parts: { bytes: Uint8Array; meta: DeltaPartMeta }[] = [];
  let current = new PartBuilder();
  const flush = async (): Promise<void> => {
    const p = await current.finish(compression);
    onProgress?.({ type: 'part', index: parts.length, objects: p.meta.objects.length, size: p.meta.size, uncompressedSize: p.meta.uncompressedSize });
    parts.push(p);
    current = new PartBuilder();
  };
  const room = async (size: number): Promise<void> => {
    if (current.objects.length > 0 && current.payloadLength + size > maxChunk) await flush();
  };
  for (const m of newMetadata) {
    throwIfAborted(signal);
    const bytes = await readMetadataObject(repo, m.type as 'dirtree' | 'dirmeta', m.checksum);
    await room(bytes.length);
    current.addMetadata(m, bytes);
  }
  for (const e of edits) {
    await room(0);
    current.addEdit(e.checksum, e.meta, e.size, e.source, e.segments);
  }
  for (const b of bsdiffs) {
    await room(0);
    current.addBsdiff(b.checksum, b.meta, b.size, b.source, b.patch);
  }
  for (const r of regular) {
    throwIfAborted(signal);
    await room(r.size);
    const { meta, bytes } = await readAll(repo, r.checksum);
    current.addContent(r.checksum, meta, bytes);
  }
  for (const s of symlinks) {
    await room(s.meta.symlinkTarget.length);
    current.addContent(s.checksum, s.meta, new Uint8Array(0));
  }
  if (current.objects.length > 0 || parts.length === 0) await flush();

  const dir = staticDeltaDir(from, to);
  const metadata: [string, Variant][] = [...(options.metadata ?? [])];
  const little = (options.endianness ?? 'little') === 'little';
  metadata.push(['ostree.endianness', new Variant('y', little ? 0x6c : 0x42)]);
  if (options.inline) parts.forEach((p, i) => metadata.push([`${dir}/${i}`, new Variant('(yay)', [p.bytes[0]!, p.bytes.subarray(1)])]));
  const detached = await readCommitMeta(repo, to);
  if (detached) metadata.push([`${dir}/commitmeta`, new Variant('a{sv}', parseDetachedMetadata(detached))]);

  const superblock = serializeDeltaSuperblock({
    metadata,
    byteOrder: little ? 'little' : 'big',
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    from,
    to,
    commit,
    prerequisites: [],
    parts: parts.map((p) => p.meta),
    fallbacks,
  });

  const superblockPath = options.filename ?? repo.resolve(dir, 'superblock');
  const outDir = dirname(superblockPath);
  try {
    await mkdir(outDir, { recursive: true, mode: 0o755 });
    if (!options.inline) {
      for (let i = 0; i < parts.length; i++) await writeAtomic(join(outDir, String(i)), parts[i]!.bytes);
    }
    await writeAtomic(superblockPath, superblock);
  } catch (error) {
    throw fromSystemError(error, `writing static delta ${staticDeltaName(from, to)}`);
  }
  const partBytes = options.inline ? 0 : parts.reduce((n, p) => n + p.meta.size, 0);
  return {
    name: staticDeltaName(from, to),
    from,
    to,
    superblockPath,
    superblockChecksum: sha256Hex(superblock),
    parts: parts.map((p) => p.meta),
    fallbacks,
    totalSize: superblock.length + partBytes + fallbacks.reduce((n, f) => n + f.compressedSize, 0),
    bsdiffObjects: bsdiffs.length,
    editObjects: edits.length,
  };
}

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, bytes, { mode: 0o644 });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
