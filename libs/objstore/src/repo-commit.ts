import { lstatSync, readdirSync, readFileSync, readlinkSync, type Dirent, type Stats } from 'node:fs';
import { join } from 'node:path';
import {
  InvalidArgumentError,
  NotFoundError,
  UnsupportedError,
  fromSystemError,
  isTsostreeError,
  throwIfAborted,
} from '@tsostree/errors';
import { parseCommit, serializeCommit, type Commit } from './format/commit.js';
import { serializeDirMeta } from './format/dirmeta.js';
import { Variant } from './format/gvariant/value.js';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, filenameProblem } from './format/validate.js';
import { MutableTree } from './mutable-tree.js';
import { importTar } from './repo-commit-tar.js';
import { SMALL_FILE_LIMIT, storeArchiveContent, storeContentSync, storeFileFromPath, storeFileFromPathSync, type ContentMeta } from './repo-content.js';
import { withRepoLock } from './repo-lock.js';
import { cleanupRepoTmp } from './repo-tmp-cleanup.js';
import { WriteTxn, readMetadataObject, writeCommitMeta, writeMetadataObject, writeMetadataObjectSync } from './repo-objects.js';
import { serializeVarDict } from './format/metadata.js';
import { readRef, resolveRev, writeRef } from './repo-refs.js';
import type { Repo } from './repo.js';
import type { Xattr } from './xattrs.js';

/** Where a part of the committed tree comes from (`--tree=dir=PATH`, `--tree=ref=REV`, `--tree=tar=FILE`). */
export type TreeSource = { dir: string } | { ref: string } | { tar: string };

export interface CommitProgress {
  files: number;
  bytes: number;
}

export interface CommitOptions {
  /** Branch to update (also the default parent). */
  branch?: string;
  subject?: string;
  body?: string;
  /** Commit metadata (`a{sv}`), kept in the given order like ostree (`ostree.ref-binding` is appended last). */
  metadata?: [string, Variant][];
  /** Parent commit: a revision, `null` for none; default: the branch's current commit. */
  parent?: string | null;
  /** Seconds since the epoch (default: now). */
  timestamp?: number;
  /** Force every uid / gid (`--owner-uid`, `--owner-gid`). */
  ownerUid?: number;
  ownerGid?: number;
  /** `--canonical-permissions`: uid/gid 0 and modes masked with 0755 (automatic in bare-user-only). */
  canonicalPermissions?: boolean;
  /** `--no-xattrs`: do not read extended attributes (automatic in bare-user-only). */
  noXattrs?: boolean;
  /** Do not make a commit when the tree equals the parent's; returns the parent. */
  skipIfUnchanged?: boolean;
  /** Do not add `ostree.ref-binding` metadata for the branch (ostree adds it by default). */
  noBindings?: boolean;
  /**
   * Runs once the commit object is stored and before the branch moves (ostree signs here for
   * `commit --gpg-sign/--sign`); if it throws, the ref is left alone.
   */
  beforeRefUpdate?: (checksum: string) => Promise<void>;
  /**
   * Called once every file of the source trees has been read and staged, before the objects are made
   * durable. A caller that assembled a tree only to commit it can remove it here: the `syncfs()` that
   * follows then has none of that tree's pages left to write back. Not called when reading fails.
   */
  treesRead?: () => Promise<void>;
  /**
   * Detached metadata (`--add-detached-metadata-string`), written as the commit's `.commitmeta`
   * in the given order, before `beforeRefUpdate` (signatures are appended to it) and the ref.
   */
  detachedMetadata?: [string, Variant][];
  /** `--tar-autocreate-parents`: create missing parent directories of tar entries. */
  tarAutocreateParents?: boolean;
  /** Sources overlaid in order; default: `[{ dir: path }]` from {@link commitDirectory}'s argument. */
  trees?: TreeSource[];
  /** Files stored concurrently (default 16). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (event: CommitProgress) => void;
}

export interface CommitResult {
  checksum: string;
  /** False when `skipIfUnchanged` found nothing to commit. */
  changed: boolean;
  rootTree: string;
  rootMeta: string;
}

/** A tiny concurrency limiter. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

interface WalkContext {
  repo: Repo;
  opts: CommitOptions;
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
  canonical: boolean;
  readXattrs: boolean;
  progress: CommitProgress;
  pending: Promise<void>[];
  errors: unknown[];
  dirmetaCache: Map<string, string>;
  txn: WriteTxn;
  /** Store files with direct (synchronous) syscalls: every mode but archive. */
  direct: boolean;
  lastYield: number;
}

/** Longest stretch of synchronous work before the walker yields to the event loop. */
const YIELD_MS = 40;

function canonicalMode(mode: number, ctx: WalkContext): number {
  if (!ctx.canonical) return mode;
  const fmt = mode & S_IFMT;
  if (fmt === S_IFLNK) return mode;
  return fmt | (mode & 0o755);
}

function owner(st: { uid: number; gid: number }, ctx: WalkContext): { uid: number; gid: number } {
  if (ctx.canonical) return { uid: 0, gid: 0 };
  return { uid: ctx.opts.ownerUid ?? st.uid, gid: ctx.opts.ownerGid ?? st.gid };
}

function xattrsOf(path: string, ctx: WalkContext): Xattr[] {
  return ctx.readXattrs ? ctx.repo.xattrs.list(path) : [];
}

function storeDirMeta(ctx: WalkContext, meta: { uid: number; gid: number; mode: number; xattrs: Xattr[] }): string {
  const bytes = serializeDirMeta(meta);
  const key = Buffer.from(bytes).toString('base64');
  const cached = ctx.dirmetaCache.get(key);
  if (cached) return cached;
  const csum = writeMetadataObjectSync(ctx.repo, 'dirmeta', bytes, { txn: ctx.txn });
  ctx.dirmetaCache.set(key, csum);
  return csum;
}

/** Between synchronous batches: let timers, signals and other I/O run; report progress. */
async function maybeYield(ctx: WalkContext): Promise<void> {
  const now = performance.now();
  if (now - ctx.lastYield < YIELD_MS) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  ctx.lastYield = performance.now();
  throwIfAborted(ctx.opts.signal);
  ctx.opts.onProgress?.({ ...ctx.progress });
}

/** Builds the header metadata of a non-directory entry, refusing other file types. */
function entryMeta(ctx: WalkContext, child: string, st: Stats): ContentMeta {
  const fmt = st.mode & S_IFMT;
  if (fmt !== S_IFREG && fmt !== S_IFLNK) {
    if (fmt === S_IFDIR) throw new InvalidArgumentError(`${child} changed type while being committed`);
    throw new UnsupportedError(`Unsupported file type for ${child} (only regular files, symlinks and directories)`);
  }
  const { uid, gid } = owner(st, ctx);
  return {
    uid,
    gid,
    mode: fmt === S_IFLNK ? S_IFLNK | 0o777 : canonicalMode(st.mode, ctx),
    symlinkTarget: '',
    xattrs: xattrsOf(child, ctx),
  };
}

/** Stores one file or symlink with direct syscalls (bare modes). */
function storeEntrySync(ctx: WalkContext, child: string, name: string, node: MutableTree): void {
  let st: Stats;
  try {
    st = lstatSync(child);
  } catch (error) {
    throw fromSystemError(error, `stat ${child}`);
  }
  const meta = entryMeta(ctx, child, st);
  let checksum: string;
  if ((st.mode & S_IFMT) === S_IFLNK) {
    try {
      meta.symlinkTarget = readlinkSync(child);
    } catch (error) {
      throw fromSystemError(error, `readlink ${child}`);
    }
    checksum = storeContentSync(ctx.repo, meta, undefined, ctx.txn);
  } else {
    checksum = storeFileFromPathSync(ctx.repo, child, meta, st.size, ctx.txn);
    ctx.progress.bytes += st.size;
  }
  ctx.progress.files++;
  node.putFileSync(ctx.repo, name, checksum);
}

/**
 * Stores one file or symlink of an archive commit: stat, read and write are direct syscalls, the deflate runs on
 * the thread pool (so files compress in parallel); files above SMALL_FILE_LIMIT stream.
 */
async function storeEntryAsync(ctx: WalkContext, child: string, name: string, node: MutableTree): Promise<void> {
  let st: Stats;
  try {
    st = lstatSync(child);
  } catch (error) {
    throw fromSystemError(error, `stat ${child}`);
  }
  const meta = entryMeta(ctx, child, st);
  let checksum: string;
  if ((st.mode & S_IFMT) === S_IFLNK) {
    try {
      meta.symlinkTarget = readlinkSync(child);
    } catch (error) {
      throw fromSystemError(error, `readlink ${child}`);
    }
    checksum = await storeArchiveContent(ctx.repo, meta, undefined, ctx.txn);
  } else {
    if (st.size <= SMALL_FILE_LIMIT) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(child);
      } catch (error) {
        throw fromSystemError(error, `reading ${child}`);
      }
      checksum = await storeArchiveContent(ctx.repo, meta, bytes, ctx.txn);
    } else {
      checksum = await storeFileFromPath(ctx.repo, child, meta, st.size, ctx.txn);
    }
    ctx.progress.bytes += st.size;
  }
  ctx.progress.files++;
  if (ctx.progress.files % 1000 === 0) ctx.opts.onProgress?.({ ...ctx.progress });
  node.putFileSync(ctx.repo, name, checksum);
}

async function walkDir(ctx: WalkContext, path: string, node: MutableTree, depth: number): Promise<void> {
  throwIfAborted(ctx.opts.signal);
  if (depth > 256) throw new InvalidArgumentError(`directory nesting too deep at ${path}`);
  let entries: Dirent[];
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (error) {
    throw fromSystemError(error, `reading directory ${path}`);
  }
  const subdirs: [string, string][] = [];
  for (const entry of entries) {
    const name = entry.name;
    const problem = filenameProblem(name);
    if (problem) throw new InvalidArgumentError(`cannot commit ${join(path, name)}: ${problem}`);
    const child = join(path, name);
    if (entry.isDirectory()) {
      subdirs.push([name, child]);
      continue;
    }
    if (ctx.direct) {
      if (ctx.opts.signal?.aborted) throwIfAborted(ctx.opts.signal);
      storeEntrySync(ctx, child, name, node);
      if (ctx.progress.files % 1000 === 0) ctx.opts.onProgress?.({ ...ctx.progress });
      await maybeYield(ctx);
      continue;
    }
    const task = ctx.limit(() => storeEntryAsync(ctx, child, name, node));
    ctx.pending.push(task.catch((e: unknown) => void ctx.errors.push(e)));
  }
  for (const [name, child] of subdirs) {
    const sub = await node.ensureDir(ctx.repo, name);
    await commitDirInto(ctx, child, sub, depth + 1);
  }
}

async function commitDirInto(ctx: WalkContext, path: string, node: MutableTree, depth: number): Promise<void> {
  let st;
  try {
    st = lstatSync(path);
  } catch (error) {
    throw fromSystemError(error, `stat ${path}`);
  }
  if (!st.isDirectory()) throw new InvalidArgumentError(`${path} is not a directory`);
  const { uid, gid } = owner(st, ctx);
  node.metaChecksum = storeDirMeta(ctx, { uid, gid, mode: canonicalMode(st.mode, ctx), xattrs: xattrsOf(path, ctx) });
  node.touch();
  await walkDir(ctx, path, node, depth);
}

/** Reads and parses a commit object (verified). */
export async function loadCommit(repo: Repo, checksum: string): Promise<Commit> {
  return parseCommit(await readMetadataObject(repo, 'commit', checksum));
}

/** The parent of a commit, for `REV^` resolution. */
export async function commitParent(repo: Repo, checksum: string): Promise<string | undefined> {
  return (await loadCommit(repo, checksum)).parent ?? undefined;
}

/**
 * Commits a directory (or the composed `trees`) into the repository, like `ostree commit`.
 * Holds the repository lock shared, so a concurrent prune cannot delete objects it writes.
 */
export async function commitDirectory(repo: Repo, path: string | undefined, options: CommitOptions = {}): Promise<CommitResult> {
  return withRepoLock(repo.path, 'shared', () => commitLocked(repo, path, options), {
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

async function commitLocked(repo: Repo, path: string | undefined, options: CommitOptions): Promise<CommitResult> {
  await cleanupRepoTmp(repo);
  const trees: TreeSource[] = options.trees ?? (path === undefined ? [] : [{ dir: path }]);
  if (trees.length === 0) throw new InvalidArgumentError('nothing to commit: no directory or --tree given');
  const canonical = options.canonicalPermissions === true || repo.mode === 'bare-user-only';
  const ctx: WalkContext = {
    repo,
    opts: options,
    limit: limiter(options.concurrency ?? 16),
    canonical,
    readXattrs: options.noXattrs !== true && repo.mode !== 'bare-user-only',
    progress: { files: 0, bytes: 0 },
    pending: [],
    errors: [],
    dirmetaCache: new Map(),
    txn: new WriteTxn(repo),
    direct: !repo.isArchive,
    lastYield: performance.now(),
  };
  try {
    return await commitInTxn(repo, options, ctx, trees);
  } catch (error) {
    await ctx.txn.abort();
    throw error;
  }
}

async function commitInTxn(repo: Repo, options: CommitOptions, ctx: WalkContext, trees: TreeSource[]): Promise<CommitResult> {
  const root = new MutableTree();
  for (const src of trees) {
    if ('dir' in src) {
      await commitDirInto(ctx, src.dir, root, 0);
    } else if ('tar' in src) {
      await importTar(repo, ctx.txn, root, src.tar, {
        autocreateParents: options.tarAutocreateParents === true,
        owner: (st) => owner(st, ctx),
        mode: (mode) => canonicalMode(mode, ctx),
        readXattrs: ctx.readXattrs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } else {
      const rev = await resolveRev(repo, src.ref, { parentOf: (c) => commitParent(repo, c) });
      const c = await loadCommit(repo, rev!);
      const lazy = MutableTree.lazy(c.rootTree, c.rootMeta);
      await lazy.ensureLoaded(repo);
      for (const [n, f] of lazy.files) await root.putFile(repo, n, f);
      for (const [n, d] of lazy.dirs) {
        root.files.delete(n);
        root.dirs.set(n, d);
      }
      root.metaChecksum = c.rootMeta;
      root.touch();
    }
  }
  // Settle every file task (reporting the first failure after all finished).
  await Promise.all(ctx.pending);
  if (ctx.errors.length > 0) throw ctx.errors[0];
  await options.treesRead?.();
  options.onProgress?.({ ...ctx.progress });
  if (root.metaChecksum === undefined) throw new InvalidArgumentError("Can't commit an empty tree");
  const rootTree = root.writeSync(repo, ctx.txn);
  const rootMeta = root.metaChecksum;

  let parent: string | null = null;
  if (options.parent === undefined) {
    parent = options.branch ? ((await readRef(repo, options.branch)) ?? null) : null;
  } else if (options.parent !== null) {
    parent = (await resolveRev(repo, options.parent, { parentOf: (c) => commitParent(repo, c) })) ?? null;
  }
  if (options.skipIfUnchanged && parent) {
    const p = await loadCommit(repo, parent);
    if (p.rootTree === rootTree && p.rootMeta === rootMeta) {
      await ctx.txn.commit();
      return { checksum: parent, changed: false, rootTree, rootMeta };
    }
  }
  const metadata: [string, Variant][] = [...(options.metadata ?? [])];
  if (options.branch && !options.noBindings && !metadata.some(([k]) => k === 'ostree.ref-binding')) {
    metadata.push(['ostree.ref-binding', new Variant('as', [options.branch])]);
  }
  const commit: Commit = {
    metadata,
    parent,
    related: [],
    subject: options.subject ?? '',
    body: options.body ?? '',
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    rootTree,
    rootMeta,
  };
  const checksum = await writeMetadataObject(repo, 'commit', serializeCommit(commit), { txn: ctx.txn });
  // Every object is durable and in place before the ref can point at the commit.
  await ctx.txn.commit();
  if (options.detachedMetadata?.length) await writeCommitMeta(repo, checksum, serializeVarDict(options.detachedMetadata));
  if (options.beforeRefUpdate) await options.beforeRefUpdate(checksum);
  if (options.branch) await writeRef(repo, options.branch, checksum);
  return { checksum, changed: true, rootTree, rootMeta };
}


export function isNotFound(error: unknown): boolean {
  return isTsostreeError(error, NotFoundError.code);
}
