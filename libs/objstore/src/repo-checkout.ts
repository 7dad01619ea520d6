import { chmodSync, constants, copyFileSync, lchownSync, lstatSync, mkdirSync, utimesSync } from 'node:fs';
import { chmod, copyFile, lchown, link, lstat, open, readFile, rm, symlink, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import { ConflictError, CorruptError, InvalidArgumentError, NotFoundError, fromSystemError, isTsostreeError, throwIfAborted } from '@tsostree/errors';
import { parseDirMeta, type DirMeta } from './format/dirmeta.js';
import { parseDirTree } from './format/dirtree.js';
import { parseFilezHeader } from './format/file-header.js';
import {
  checkName,
  createPlannedTree,
  planDirPath,
  planFileChecksum,
  planFilePath,
  planTree,
  repoLinkCore,
  tryHardlinkSync,
  useNative,
} from './checkout-hardlink.js';
import type { LinkCore } from './checkout-link-core.js';
import { commitParent, loadCommit } from './repo-commit.js';
import { isSymlinkMode, openContent, openContentSync, SMALL_FILE_LIMIT, type ContentMeta } from './repo-content.js';
import { withRepoLock } from './repo-lock.js';
import { objectPath, readMetadataObject, readMetadataObjectSync } from './repo-objects.js';
import { resolveRev } from './repo-refs.js';
import type { Repo } from './repo.js';
import { writeAllAsync } from './write-all.js';

const inflateRawAsync = promisify(inflateRaw);

export interface CheckoutOptions {
  /** `-U`: do not apply owners or xattrs; strip setuid/setgid bits (hardlinks allowed from bare-user repos). */
  userMode?: boolean;
  /** `--union`: keep existing directories and replace existing files in the target. */
  union?: boolean;
  /** `--subpath`: check out only this path of the commit. */
  subpath?: string;
  /** `--force-copy`: never hardlink. */
  forceCopy?: boolean;
  /** Threads linking files in a hardlink checkout: 1 = main thread only (default: 2 when there are ≥ 2 CPUs and ≥ 4096 files). */
  threads?: number;
  /**
   * Hardlink checkouts: do the per-file syscalls in the native core when it was built (default);
   * `false` uses the JavaScript core (the tests run both).
   */
  native?: boolean;
  /** Files written concurrently (default 16). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (event: { files: number }) => void;
}

interface Ctx {
  repo: Repo;
  opts: CheckoutOptions;
  hardlink: boolean;
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
  files: number;
  dirmetas: Map<string, DirMeta>;
  /** The link core for single files (made on first use). */
  linker?: LinkCore;
}

function dirMetaOf(ctx: Ctx, checksum: string): DirMeta {
  let m = ctx.dirmetas.get(checksum);
  if (!m) {
    m = parseDirMeta(readMetadataObjectSync(ctx.repo, 'dirmeta', checksum));
    ctx.dirmetas.set(checksum, m);
  }
  return m;
}

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

/** Removes an existing non-directory at `dest` (union mode); refuses to replace a directory. */
async function clearForFile(dest: string): Promise<void> {
  let st;
  try {
    st = await lstat(dest);
  } catch {
    return;
  }
  if (st.isDirectory()) throw new ConflictError(`cannot replace directory ${dest} with a file`, { data: { path: dest } });
  await unlink(dest);
}

function fileMode(meta: ContentMeta, ctx: Ctx): number {
  return ctx.opts.userMode ? meta.mode & 0o1777 & ~0o6000 : meta.mode & 0o7777;
}

async function writeContentCopy(ctx: Ctx, checksum: string, dest: string): Promise<void> {
  const { repo } = ctx;
  if (repo.mode === 'archive') {
    // Small objects: whole read + async inflate; large ones: streamed.
    const path = objectPath(repo, checksum, 'file');
    let raw: Buffer | undefined;
    try {
      const st = await lstat(path);
      if (st.size <= SMALL_FILE_LIMIT) raw = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NotFoundError(`No such content object ${checksum}`, { cause: error, data: { checksum, type: 'file' } });
      }
      throw fromSystemError(error, `reading content object ${checksum}`);
    }
    if (raw) {
      let parsed;
      try {
        parsed = parseFilezHeader(raw);
      } catch (error) {
        throw new CorruptError(`Corrupted file object ${checksum}: invalid archive header`, { cause: error, data: { checksum } });
      }
      const h = parsed.header;
      const meta: ContentMeta = { uid: h.uid, gid: h.gid, mode: h.mode, symlinkTarget: h.symlinkTarget, xattrs: h.xattrs };
      if (isSymlinkMode(h.mode)) return writeSymlink(ctx, meta, dest);
      let content: Buffer;
      try {
        content = await inflateRawAsync(raw.subarray(parsed.payloadOffset));
      } catch (error) {
        throw new CorruptError(`Corrupted file object ${checksum}: ${(error as Error).message}`, { cause: error, data: { checksum } });
      }
      if (content.length !== h.size) throw new CorruptError(`Corrupted file object ${checksum}: size mismatch`, { data: { checksum } });
      return writeRegular(ctx, meta, dest, async (fh) => {
        await writeAllAsync(fh, content);
      });
    }
  }
  // bare modes: an lstat and the xattr list, synchronously (a thread-pool round trip costs more).
  const obj = repo.mode === 'archive' ? await openContent(repo, checksum) : openContentSync(repo, checksum);
  if (isSymlinkMode(obj.meta.mode)) return writeSymlink(ctx, obj.meta, dest);
  if (repo.mode !== 'archive') {
    // The object file is the content: let the kernel copy it (copy_file_range/reflink). A small
    // file is copied synchronously: the syscalls cost less than the thread-pool round trips.
    try {
      if (obj.size <= SYNC_COPY_LIMIT) copyFileSync(obj.path, dest, constants.COPYFILE_EXCL);
      else await copyFile(obj.path, dest, constants.COPYFILE_EXCL);
    } catch (error) {
      throw fromSystemError(error, `copying to ${dest}`);
    }
    if (obj.size <= SYNC_COPY_LIMIT) return applyFileMetaSync(ctx, obj.meta, dest);
    return applyFileMeta(ctx, obj.meta, dest);
  }
  return writeRegular(ctx, obj.meta, dest, async (fh) => {
    let total = 0;
    for await (const chunk of obj.stream()) {
      total += (chunk as Buffer).length;
      await writeAllAsync(fh, chunk as Buffer);
    }
    if (total !== obj.size) throw new CorruptError(`Corrupted file object ${checksum}: size mismatch`, { data: { checksum } });
  });
}

/** Files up to this size are copied with synchronous syscalls. */
const SYNC_COPY_LIMIT = 64 * 1024;

function applyFileMetaSync(ctx: Ctx, meta: ContentMeta, dest: string): void {
  try {
    if (!ctx.opts.userMode) {
      lchownSync(dest, meta.uid, meta.gid);
      for (const x of meta.xattrs) ctx.repo.xattrs.set(dest, x.name, x.value);
    }
    chmodSync(dest, fileMode(meta, ctx));
  } catch (error) {
    throw isTsostreeError(error) ? error : fromSystemError(error, `setting metadata of ${dest}`);
  }
}

async function applyFileMeta(ctx: Ctx, meta: ContentMeta, dest: string): Promise<void> {
  try {
    if (!ctx.opts.userMode) {
      await lchown(dest, meta.uid, meta.gid);
      for (const x of meta.xattrs) ctx.repo.xattrs.set(dest, x.name, x.value);
    }
    await chmod(dest, fileMode(meta, ctx));
  } catch (error) {
    throw isTsostreeError(error) ? error : fromSystemError(error, `setting metadata of ${dest}`);
  }
}

async function writeRegular(ctx: Ctx, meta: ContentMeta, dest: string, fill: (fh: FileHandle) => Promise<void>): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    // O_EXCL|O_CREAT never follows a symlink at dest; O_NOFOLLOW for good measure.
    fh = await open(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    await fill(fh);
    if (!ctx.opts.userMode) await fh.chown(meta.uid, meta.gid);
    await fh.chmod(fileMode(meta, ctx));
    await fh.close();
    fh = undefined;
  } catch (error) {
    await fh?.close().catch(() => undefined);
    if (isTsostreeError(error)) {
      await rm(dest, { force: true });
      throw error;
    }
    throw fromSystemError(error, `writing ${dest}`);
  }
  if (!ctx.opts.userMode) for (const x of meta.xattrs) ctx.repo.xattrs.set(dest, x.name, x.value);
}

async function writeSymlink(ctx: Ctx, meta: ContentMeta, dest: string): Promise<void> {
  try {
    await symlink(meta.symlinkTarget, dest);
    if (!ctx.opts.userMode) {
      await lchown(dest, meta.uid, meta.gid);
      for (const x of meta.xattrs) ctx.repo.xattrs.set(dest, x.name, x.value);
    }
  } catch (error) {
    throw isTsostreeError(error) ? error : fromSystemError(error, `creating symlink ${dest}`);
  }
}

/** Whether a content object can be hardlinked for this checkout. */
async function canHardlinkObject(ctx: Ctx, checksum: string): Promise<boolean> {
  if (!ctx.hardlink) return false;
  if (ctx.repo.mode === 'bare-user') {
    // Objects are regular files; symlinks are stored as files holding the target.
    const obj = await openContent(ctx.repo, checksum);
    return !isSymlinkMode(obj.meta.mode);
  }
  return true;
}

async function checkoutFile(ctx: Ctx, checksum: string, dest: string): Promise<void> {
  if (ctx.opts.union) await clearForFile(dest);
  if (ctx.hardlink) {
    ctx.linker ??= repoLinkCore(ctx.repo, ctx.opts.userMode === true);
    if (tryHardlinkSync(ctx.linker, objectPath(ctx.repo, checksum, 'file'), dest)) return;
  }
  if (await canHardlinkObject(ctx, checksum)) {
    try {
      await link(objectPath(ctx.repo, checksum, 'file'), dest);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw new NotFoundError(`No such content object ${checksum}`, { cause: error, data: { checksum, type: 'file' } });
      }
      if (code !== 'EXDEV' && code !== 'EMLINK' && code !== 'EPERM') throw fromSystemError(error, `linking ${dest}`);
    }
  }
  await writeContentCopy(ctx, checksum, dest);
}

/** Creates (or, in union mode, reuses) a directory, never through a symlink. */
function makeDir(ctx: Ctx, dest: string): void {
  try {
    mkdirSync(dest, { mode: 0o700 });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fromSystemError(error, `creating directory ${dest}`);
  }
  const st = lstatSync(dest);
  if (!ctx.opts.union) throw new ConflictError(`${dest}: File exists`, { data: { path: dest } });
  if (!st.isDirectory()) {
    throw new ConflictError(`cannot check out directory over non-directory ${dest}`, { data: { path: dest } });
  }
}

function applyDirMeta(ctx: Ctx, meta: DirMeta, dest: string): void {
  try {
    if (!ctx.opts.userMode) {
      lchownSync(dest, meta.uid, meta.gid);
      for (const x of meta.xattrs) ctx.repo.xattrs.set(dest, x.name, x.value);
    }
    chmodSync(dest, ctx.opts.userMode ? meta.mode & 0o1777 : meta.mode & 0o7777);
    utimesSync(dest, 0, 0);
  } catch (error) {
    throw isTsostreeError(error) ? error : fromSystemError(error, `setting metadata of ${dest}`);
  }
}

async function checkoutTree(ctx: Ctx, treeChecksum: string, meta: DirMeta, dest: string, depth: number): Promise<void> {
  throwIfAborted(ctx.opts.signal);
  if (depth > 256) throw new CorruptError('tree exceeds the maximum depth');
  // Validate the whole listing (names, order, duplicates) before creating anything.
  const tree = parseDirTree(readMetadataObjectSync(ctx.repo, 'dirtree', treeChecksum));
  for (const f of tree.files) checkName(f.name, dest);
  for (const d of tree.dirs) checkName(d.name, dest);
  makeDir(ctx, dest);
  const tasks: Promise<unknown>[] = [];
  const errors: unknown[] = [];
  const track = (p: Promise<void>): void => void tasks.push(p.catch((e: unknown) => void errors.push(e)));
  for (const f of tree.files) {
    checkName(f.name, dest);
    const target = join(dest, f.name);
    track(
      ctx.limit(async () => {
        await checkoutFile(ctx, f.checksum, target);
        ctx.files++;
        if (ctx.files % 1000 === 0) ctx.opts.onProgress?.({ files: ctx.files });
      }),
    );
  }
  for (const d of tree.dirs) {
    checkName(d.name, dest);
    const sub = dirMetaOf(ctx, d.metaChecksum);
    track(checkoutTree(ctx, d.treeChecksum, sub, join(dest, d.name), depth + 1));
  }
  await Promise.all(tasks);
  if (errors.length > 0) throw errors[0];
  applyDirMeta(ctx, meta, dest);
}

/** A fresh hardlink checkout: plan, directories, links on two threads, copies, directory metadata. */
async function checkoutTreeLinked(ctx: Ctx, treeChecksum: string, meta: DirMeta, dest: string): Promise<void> {
  const { signal, onProgress } = ctx.opts;
  const native = useNative(ctx.repo, ctx.opts.native);
  const link = {
    userMode: ctx.opts.userMode === true,
    ...(ctx.opts.threads !== undefined ? { threads: ctx.opts.threads } : {}),
    ...(native ? { native } : {}),
  };
  const plan = await planTree(ctx.repo, treeChecksum, meta, dest, (c) => dirMetaOf(ctx, c), { ...(signal ? { signal } : {}), link });
  const fallback = await createPlannedTree(ctx.repo, plan, {
    makeDir: (path) => makeDir(ctx, path),
    userMode: ctx.opts.userMode === true,
    ...(native ? { native } : {}),
    ...(signal ? { signal } : {}),
    ...(onProgress ? { onProgress: (files: number) => onProgress({ files }) } : {}),
  });
  ctx.files = plan.fileCount - fallback.length;
  const errors: unknown[] = [];
  await Promise.all(
    fallback.map((i) =>
      ctx.limit(async () => {
        await writeContentCopy(ctx, planFileChecksum(plan, i), planFilePath(plan, i));
        ctx.files++;
      }).catch((e: unknown) => void errors.push(e)),
    ),
  );
  if (errors.length > 0) throw errors[0];
  for (let i = plan.dirCount - 1; i >= 0; i--) {
    applyDirMeta(ctx, plan.dirMeta[i]!, planDirPath(plan, i));
    if (i % 512 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Checks out a commit (or a subpath of it) into `destination`, like `ostree checkout`.
 * Hardlinks objects from bare repos (bare-user/-only in user mode) on the same filesystem,
 * copies otherwise. Every name is validated and nothing is written through a symlink.
 */
export async function checkoutCommit(repo: Repo, rev: string, destination: string, options: CheckoutOptions = {}): Promise<void> {
  await withRepoLock(repo.path, 'shared', async () => {
    const checksum = await resolveRev(repo, rev, { parentOf: (c) => commitParent(repo, c) });
    const commit = await loadCommit(repo, checksum!);
    let treeChecksum = commit.rootTree;
    let meta = parseDirMeta(await readMetadataObject(repo, 'dirmeta', commit.rootMeta));
    let fileChecksum: string | undefined;
    const parts = (options.subpath ?? '/').split('/').filter((p) => p !== '');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part === '.' || part === '..') throw new InvalidArgumentError(`invalid subpath ${options.subpath}`);
      const tree = parseDirTree(await readMetadataObject(repo, 'dirtree', treeChecksum));
      const d = tree.dirs.find((x) => x.name === part);
      if (d) {
        treeChecksum = d.treeChecksum;
        meta = parseDirMeta(await readMetadataObject(repo, 'dirmeta', d.metaChecksum));
        continue;
      }
      const f = tree.files.find((x) => x.name === part);
      if (f && i === parts.length - 1) {
        fileChecksum = f.checksum;
        break;
      }
      throw new NotFoundError(`No such file or directory: ${options.subpath}`, { data: { subpath: options.subpath } });
    }
    let sameDevice = false;
    if (!options.forceCopy && repo.mode !== 'archive') {
      try {
        const parent = join(destination, '..');
        sameDevice = (await lstat(parent)).dev === (await repo.device());
      } catch {
        sameDevice = false;
      }
    }
    const hardlink =
      sameDevice &&
      ((repo.mode === 'bare' && !options.userMode) ||
        ((repo.mode === 'bare-user' || repo.mode === 'bare-user-only') && options.userMode === true));
    const ctx: Ctx = { repo, opts: options, hardlink, limit: limiter(options.concurrency ?? 16), files: 0, dirmetas: new Map() };
    if (fileChecksum !== undefined) {
      await checkoutFile(ctx, fileChecksum, destination);
      return;
    }
    if (hardlink && !options.union) await checkoutTreeLinked(ctx, treeChecksum, meta, destination);
    else await checkoutTree(ctx, treeChecksum, meta, destination, 0);
    options.onProgress?.({ files: ctx.files });
  });
}

