import { throwIfAborted } from '@tsostree/errors';
import type { ConfigDiffEntry } from './config-diff-format.js';
import { joinRel, type EntryStat, type FsPort } from './fs-port.js';
import { Limiter } from './limiter.js';
import { portOf, type TreeRoot } from './tree-root.js';

/** A path present in both trees whose ostree content checksum differs (or whose type changed). */
export interface TreeDiffItem {
  path: string;
  orig: EntryStat;
  modified: EntryStat;
}

/** The three lists of `ostree_diff_dirs`, in its traversal order. */
export interface TreeDiff {
  modified: TreeDiffItem[];
  /** In orig, not in modified. */
  removed: { path: string; orig: EntryStat }[];
  /** In modified, not in orig (every descendant of an added directory is listed too). */
  added: { path: string; modified: EntryStat }[];
}

export interface DiffOptions {
  signal?: AbortSignal;
  /** Maximum concurrent file comparisons for asynchronous ports (default 64). */
  concurrency?: number;
}

const BIG_FILE = 4 << 20;

async function sameBytes(a: FsPort, b: FsPort, path: string, size: number): Promise<boolean> {
  if (size > BIG_FILE && a.readChunks && b.readChunks) {
    const ia = a.readChunks(path)[Symbol.asyncIterator]();
    const ib = b.readChunks(path)[Symbol.asyncIterator]();
    let ca: Uint8Array = new Uint8Array(0);
    let cb: Uint8Array = new Uint8Array(0);
    for (;;) {
      if (ca.length === 0) {
        const r = await ia.next();
        ca = r.done ? new Uint8Array(0) : r.value;
        if (r.done && cb.length === 0) {
          const rb = await ib.next();
          return rb.done === true;
        }
      }
      if (cb.length === 0) {
        const r = await ib.next();
        if (r.done) return false;
        cb = r.value;
      }
      if (ca.length === 0) return false;
      const n = Math.min(ca.length, cb.length);
      if (!Buffer.from(ca.buffer, ca.byteOffset, n).equals(Buffer.from(cb.buffer, cb.byteOffset, n))) return false;
      ca = ca.subarray(n);
      cb = cb.subarray(n);
    }
  }
  const [da, db] = await Promise.all([a.readFile(path), b.readFile(path)]);
  return Buffer.from(da.buffer, da.byteOffset, da.byteLength).equals(Buffer.from(db.buffer, db.byteOffset, db.byteLength));
}

/**
 * True when two entries of the same kind have the same ostree content checksum with xattrs
 * ignored: uid, gid and the full mode always count; then the symlink target or the file bytes.
 * Directories compare as their dirmeta (uid, gid, mode). Device numbers are not part of the
 * checksum, so two special files of the same type and mode are equal.
 */
export async function sameEntry(
  a: FsPort,
  b: FsPort,
  path: string,
  sa: EntryStat,
  sb: EntryStat,
  limiter: Limiter,
): Promise<boolean> {
  if (sa.mode !== sb.mode || sa.uid !== sb.uid || sa.gid !== sb.gid) return false;
  if (sa.kind === 'symlink') {
    const [ta, tb] = await limiter.run(() => Promise.all([a.readlink(path), b.readlink(path)]));
    return ta === tb;
  }
  if (sa.kind === 'file') {
    if (sa.size !== sb.size) return false;
    if (sa.size === 0) return true;
    return limiter.run(() => sameBytes(a, b, path, sa.size));
  }
  return true;
}

/**
 * GLib's local file enumerator (which `ostree_diff_dirs` uses) reads directory entries in chunks
 * of 1000 and sorts each chunk by inode number; listing in the same order makes our diff print
 * exactly what `ostree admin config-diff` prints.
 */
const GLIB_ENUM_CHUNK = 1000;

function glibOrder<T extends { stat: EntryStat | undefined }>(entries: T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < entries.length; i += GLIB_ENUM_CHUNK) {
    const chunk = entries.slice(i, i + GLIB_ENUM_CHUNK);
    chunk.sort((a, b) => (a.stat?.ino ?? 0) - (b.stat?.ino ?? 0));
    out.push(...chunk);
  }
  return out;
}

async function listDir(
  tree: FsPort,
  dir: string,
  limiter: Limiter,
): Promise<{ name: string; path: string; stat: EntryStat | undefined }[]> {
  if (tree.readdirStats) {
    const entries = await limiter.run(() => tree.readdirStats!(dir));
    return entries.map(({ name, stat }) => ({ name, path: joinRel(dir, name), stat }));
  }
  const names = await limiter.run(() => tree.readdir(dir));
  const out: { name: string; path: string; stat: EntryStat | undefined }[] = [];
  for (const name of names) {
    const path = joinRel(dir, name);
    out.push({ name, path, stat: await limiter.run(() => tree.lstat(path)) });
  }
  return out;
}

async function listAddedTree(
  tree: FsPort,
  dir: string,
  out: { path: string; modified: EntryStat }[],
  limiter: Limiter,
  signal?: AbortSignal,
): Promise<void> {
  throwIfAborted(signal);
  for (const { path, stat } of glibOrder(await listDir(tree, dir, limiter))) {
    if (!stat) continue;
    out.push({ path, modified: stat });
    if (stat.kind === 'dir') await listAddedTree(tree, path, out, limiter, signal);
  }
}

async function diffDir(
  orig: FsPort,
  modified: FsPort,
  dir: string,
  limiter: Limiter,
  signal: AbortSignal | undefined,
  out: TreeDiff,
): Promise<TreeDiff> {
  throwIfAborted(signal);
  const childrenA = await listDir(orig, dir, limiter);
  const childrenB = await listDir(modified, dir, limiter);
  const statB = new Map(childrenB.map((c) => [c.name, c.stat]));
  const inA = new Set(childrenA.map((c) => c.name));

  for (const { name, path, stat: sa } of glibOrder(childrenA)) {
    const sb = statB.get(name);
    if (!sa) continue; // vanished while we looked
    if (!sb) {
      out.removed.push({ path, orig: sa });
      continue;
    }
    if (sa.kind !== sb.kind) {
      out.modified.push({ path, orig: sa, modified: sb });
      continue;
    }
    if (!(await sameEntry(orig, modified, path, sa, sb, limiter))) out.modified.push({ path, orig: sa, modified: sb });
    if (sa.kind === 'dir') await diffDir(orig, modified, path, limiter, signal, out);
  }

  for (const { name, path, stat } of glibOrder(childrenB)) {
    if (inA.has(name) || !stat) continue;
    out.added.push({ path, modified: stat });
    if (stat.kind === 'dir') await listAddedTree(modified, path, out.added, limiter, signal);
  }
  return out;
}

/**
 * `ostree_diff_dirs(IGNORE_XATTRS, orig, modified)`: the modified, removed and added paths of
 * `modified` relative to `orig`, in the same order ostree lists them (directory order of the
 * filesystem, depth first).
 */
export async function diffTrees(orig: FsPort, modified: FsPort, options: DiffOptions = {}): Promise<TreeDiff> {
  const limiter = new Limiter(options.concurrency ?? 64);
  return diffDir(orig, modified, '', limiter, options.signal, { modified: [], removed: [], added: [] });
}

export interface DiffEtcOptions extends DiffOptions {
  /** The defaults (`usr/etc`): a directory path or a port. */
  orig: TreeRoot;
  /** The live configuration (`etc`). */
  modified: TreeRoot;
}

/**
 * What `ostree admin config-diff` prints, as entries: every modified path, then removed (`D`),
 * then added (`A`). Render them with {@link formatConfigDiff}.
 */
export async function diffEtc(options: DiffEtcOptions): Promise<ConfigDiffEntry[]> {
  const d = await diffTrees(portOf(options.orig), portOf(options.modified), options);
  return [
    ...d.modified.map((m) => ({ kind: 'M' as const, path: m.path })),
    ...d.removed.map((r) => ({ kind: 'D' as const, path: r.path })),
    ...d.added.map((a) => ({ kind: 'A' as const, path: a.path })),
  ];
}
