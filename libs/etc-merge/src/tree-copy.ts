import { ConflictError, InvalidArgumentError, UnsupportedError, throwIfAborted } from '@tsostree/errors';
import { joinRel, type EntryStat, type FsPort } from './fs-port.js';
import { portOf, type TreeRoot } from './tree-root.js';

const STREAM_ABOVE = 4 << 20;

/** Copies every extended attribute of `src:srcPath` onto `dst:dstPath` (existing ones are kept). */
export async function copyXattrs(src: FsPort, srcPath: string, dst: FsPort, dstPath: string): Promise<void> {
  const names = await src.listXattrs(srcPath);
  for (const name of names) {
    const value = await src.getXattr(srcPath, name);
    if (value !== undefined) await dst.setXattr(dstPath, name, value);
  }
}

/**
 * Copies a regular file or a symlink (`glnx_file_copy_at`): content or target, then owner, mode and
 * mtime, then xattrs (after chown, so `security.capability` survives). `dstPath` must not exist.
 */
export async function copyLeaf(src: FsPort, srcPath: string, st: EntryStat, dst: FsPort, dstPath: string): Promise<void> {
  if (st.kind === 'symlink') {
    const target = await src.readlink(srcPath);
    await dst.symlink(target, dstPath, { uid: st.uid, gid: st.gid }, st.mtimeMs);
  } else if (st.size > STREAM_ABOVE && src.readChunks && dst.writeFileChunks) {
    // Large files are streamed, so a huge file in a hostile tree cannot exhaust memory.
    await dst.writeFileChunks(dstPath, src.readChunks(srcPath), { uid: st.uid, gid: st.gid, mode: st.mode }, st.mtimeMs);
  } else {
    const data = await src.readFile(srcPath);
    await dst.writeFile(dstPath, data, { uid: st.uid, gid: st.gid, mode: st.mode }, st.mtimeMs);
  }
  await copyXattrs(src, srcPath, dst, dstPath);
}

/** Applies a source directory's xattrs, owner and mode to an existing destination directory. */
export async function copyDirAttrs(src: FsPort, srcPath: string, st: EntryStat, dst: FsPort, dstPath: string): Promise<void> {
  await copyXattrs(src, srcPath, dst, dstPath);
  await dst.setAttrs(dstPath, { uid: st.uid, gid: st.gid, mode: st.mode });
}

export interface CopyDirOptions {
  /**
   * Called for sockets, FIFOs and devices, which are then skipped (newer ostree). Without it they
   * fail the copy like ostree 2022.x: "Copying NAME: Cannot copy non-regular/non-symlink file".
   */
  onIgnored?: (path: string) => void;
  signal?: AbortSignal;
}

/**
 * `copy_dir_recurse`: creates `dstPath` (or reuses an existing directory), gives it the source's
 * xattrs, owner and mode, and copies the children; special files are skipped.
 */
export async function copyDirRecurse(
  src: FsPort,
  srcPath: string,
  st: EntryStat,
  dst: FsPort,
  dstPath: string,
  options: CopyDirOptions = {},
): Promise<void> {
  throwIfAborted(options.signal);
  const made = await dst.mkdir(dstPath);
  if (made !== 'created' && made !== 'exists') {
    throw new ConflictError(`mkdirat ${dstPath}: ${made === 'missing-parent' ? 'No such file or directory' : 'Not a directory'}`, {
      data: { path: dstPath },
    });
  }
  if (made === 'exists') {
    const now = await dst.lstat(dstPath);
    if (now?.kind !== 'dir') throw new ConflictError(`${dstPath} exists and is not a directory`, { data: { path: dstPath } });
  }
  await copyDirAttrs(src, srcPath, st, dst, dstPath);
  const names = await src.readdir(srcPath);
  for (const name of names) {
    const from = joinRel(srcPath, name);
    const to = joinRel(dstPath, name);
    const child = await src.lstat(from);
    if (!child) continue;
    if (child.kind === 'dir') {
      await copyDirRecurse(src, from, child, dst, to, options);
    } else if (child.kind === 'file' || child.kind === 'symlink') {
      const existing = await dst.lstat(to);
      if (existing && existing.kind !== 'dir') await dst.unlink(to);
      await copyLeaf(src, from, child, dst, to);
    } else if (options.onIgnored) {
      options.onIgnored(from);
    } else {
      throw new UnsupportedError(`Copying ${name}: Cannot copy non-regular/non-symlink file: ${name}`, {
        data: { path: from },
      });
    }
  }
}

/**
 * Copies a whole tree's contents into an existing (usually empty) destination directory: how the
 * new `/etc` starts as a copy of the new defaults before {@link mergeEtc} applies local changes.
 * The destination root gets the source root's owner, mode and xattrs. Returns the skipped
 * special files.
 */
export async function copyTree(from: TreeRoot, to: TreeRoot, options: { signal?: AbortSignal } = {}): Promise<string[]> {
  const src = portOf(from);
  const dst = portOf(to);
  const rootStat = await src.lstat('');
  if (rootStat?.kind !== 'dir') throw new InvalidArgumentError('the source of a tree copy must be a directory');
  const ignored: string[] = [];
  await copyDirRecurse(src, '', rootStat, dst, '', { onIgnored: (p) => ignored.push(p), signal: options.signal });
  return ignored;
}
