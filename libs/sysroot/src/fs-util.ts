import { execFile } from 'node:child_process';
import { chmod, copyFile, link, lstat, open, rename, rm, stat, symlink, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { ConflictError, fromSystemError } from '@tsostree/errors';
import { syncFilesystem as syncRepoFilesystem } from '@tsostree/objstore';

const execFileAsync = promisify(execFile);

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return false;
    throw fromSystemError(error, `stat ${path}`);
  }
}

/**
 * Refuses to write below `root/rel` when any existing component of `rel` is not a real directory
 * (a symlink planted at `ostree/deploy/<os>/deploy` or `boot/ostree` must not send our writes
 * outside the sysroot). Missing components are fine: they are created as directories.
 */
export async function assertNoSymlinkDirs(root: string, rel: string): Promise<void> {
  let cur = root;
  for (const part of rel.split('/')) {
    cur = `${cur}/${part}`;
    let st;
    try {
      st = await lstat(cur);
    } catch (error) {
      if (code(error) === 'ENOENT') return;
      throw fromSystemError(error, `stat ${cur}`);
    }
    if (!st.isDirectory()) {
      throw new ConflictError(`refusing to write through ${cur}: not a directory (${st.isSymbolicLink() ? 'symbolic link' : 'file'})`, { data: { path: cur } });
    }
  }
}

/**
 * Sets or clears the immutable attribute of a directory (ostree seals deployments with
 * FS_IMMUTABLE_FL). Node has no ioctl, so this runs `chattr` (e2fsprogs); like ostree, a
 * filesystem without the attribute (tmpfs, overlayfs) or a missing privilege is ignored.
 */
export async function setImmutable(path: string, immutable: boolean): Promise<void> {
  try {
    await execFileAsync('chattr', [immutable ? '+i' : '-i', path]);
  } catch {
    /* not supported here: ostree ignores ENOTTY/EOPNOTSUPP too */
  }
}

/** `rm -rf`, clearing the immutable attribute of a deployment-like directory first when removal fails. */
export async function rmrf(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch (error) {
    if (code(error) !== 'EPERM' && code(error) !== 'EACCES') throw fromSystemError(error, `removing ${path}`);
    await execFileAsync('chattr', ['-R', '-i', path]).catch(() => undefined);
    try {
      await rm(path, { recursive: true, force: true });
    } catch (error2) {
      throw fromSystemError(error2, `removing ${path}`);
    }
  }
}

/** ostree's symlink_at_replace: `<path>.tmp` then rename over `path`. */
export async function symlinkReplace(target: string, path: string): Promise<void> {
  const tmp = `${path}.tmp`;
  try {
    await unlink(tmp).catch(() => undefined);
    await symlink(target, tmp);
    await rename(tmp, path);
  } catch (error) {
    throw fromSystemError(error, `symlink ${path} -> ${target}`);
  }
}

/** Replaces a file's contents atomically (temp file in the same directory, optional datasync, rename). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number; sync?: boolean } = {}): Promise<void> {
  const tmp = `${dirname(path)}/.${path.slice(dirname(path).length + 1)}.tmp-${process.pid}`;
  try {
    const fh = await open(tmp, 'w', options.mode ?? 0o644);
    try {
      await fh.writeFile(data);
      await fh.chmod(options.mode ?? 0o644);
      if (options.sync) await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fromSystemError(error, `writing ${path}`);
  }
}

/**
 * syncfs() of the filesystem holding `path` (objstore's: its addon, else GNU `sync -f`); where neither is
 * available, a whole-system `sync`.
 */
export async function syncFilesystem(path: string): Promise<void> {
  if (await syncRepoFilesystem(path)) return;
  try {
    await execFileAsync('sync');
  } catch (error) {
    throw fromSystemError(error, `sync for ${path}`);
  }
}

/** fsync of a directory (after renames in it). */
export async function fsyncDir(path: string): Promise<void> {
  try {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (error) {
    throw fromSystemError(error, `fsync ${path}`);
  }
}

/** Hardlinks `src` to `dest` (ostree's install_into_boot), or copies it (mode kept, data synced) across filesystems; nothing if `dest` exists. */
export async function installIntoBoot(src: string, dest: string): Promise<void> {
  if (await exists(dest)) return;
  try {
    await link(src, dest);
    return;
  } catch (error) {
    if (code(error) !== 'EXDEV' && code(error) !== 'EMLINK' && code(error) !== 'EPERM') throw fromSystemError(error, `linkat(${dest})`);
  }
  try {
    const st = await stat(src);
    const tmp = `${dest}.tmp-${process.pid}`;
    await copyFile(src, tmp);
    await chmod(tmp, st.mode & 0o7777);
    const fh = await open(tmp, 'r');
    try {
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, dest);
  } catch (error) {
    throw fromSystemError(error, `copying ${src} to ${dest}`);
  }
}
