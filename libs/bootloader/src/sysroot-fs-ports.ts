import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, readlink, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, IoError, fromSystemError } from '@tsostree/errors';
import type { SysrootReadPort, SysrootWritePort } from './bootloader-backend.js';

const MAX_SYMLINK_HOPS = 40;

/** Checks a sysroot-relative path: no leading `/`, no empty, `.` or `..` components. */
export function checkSysrootPath(path: string): string[] {
  const parts = path.split('/');
  if (path === '' || path.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..') || path.includes('\0')) {
    throw new InvalidArgumentError(`invalid sysroot-relative path ${JSON.stringify(path)}`);
  }
  return parts;
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Resolves `path` inside `root` as if `root` were `/`: symlinks are followed (absolute targets
 * restart at `root`, `..` stops at `root`), so nothing outside the sysroot is ever reached.
 * Returns the host path and whether it exists; a missing intermediate directory gives `exists: false`.
 */
async function resolveInRoot(root: string, path: string, followLast: boolean): Promise<{ host: string; exists: boolean }> {
  const queue = checkSysrootPath(path);
  const cur: string[] = [];
  let hops = 0;
  while (queue.length > 0) {
    const comp = queue.shift()!;
    if (comp === '' || comp === '.') continue;
    if (comp === '..') {
      cur.pop();
      continue;
    }
    const host = join(root, ...cur, comp);
    let st;
    try {
      st = await lstat(host);
    } catch (error) {
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') {
        return { host: join(root, ...cur, comp, ...queue), exists: false };
      }
      throw fromSystemError(error, host);
    }
    const isLast = queue.length === 0;
    if (st.isSymbolicLink() && (!isLast || followLast)) {
      if (++hops > MAX_SYMLINK_HOPS) throw new IoError(`too many levels of symbolic links resolving ${path}`);
      const target = await readlink(host);
      if (target.startsWith('/')) cur.length = 0;
      queue.unshift(...target.split('/'));
      continue;
    }
    if (!isLast && !st.isDirectory()) return { host: join(root, ...cur, comp, ...queue), exists: false };
    cur.push(comp);
  }
  return { host: join(root, ...cur), exists: true };
}

/**
 * Read and write ports over a sysroot directory on the local filesystem, confined to `root`
 * (symlinks resolve inside it). Writes are atomic: temporary file, fsync, rename.
 */
export function createFsSysrootPorts(root: string): { read: SysrootReadPort; write: SysrootWritePort } {
  const read: SysrootReadPort = {
    async readFile(path) {
      const { host, exists } = await resolveInRoot(root, path, true);
      if (!exists) return undefined;
      try {
        return new Uint8Array(await readFile(host));
      } catch (error) {
        if (errno(error) === 'ENOENT') return undefined;
        throw fromSystemError(error, host);
      }
    },
    async lstat(path) {
      const { host, exists } = await resolveInRoot(root, path, false);
      if (!exists) return undefined;
      const st = await lstat(host);
      return st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
    },
    async exists(path) {
      return (await resolveInRoot(root, path, true)).exists;
    },
    async readDir(path) {
      const { host, exists } = await resolveInRoot(root, path, true);
      if (!exists) return undefined;
      try {
        return await readdir(host);
      } catch (error) {
        if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return undefined;
        throw fromSystemError(error, host);
      }
    },
  };
  const write: SysrootWritePort = {
    async writeFile(path, data) {
      const parts = checkSysrootPath(path);
      const name = parts.pop()!;
      let dir = root;
      if (parts.length > 0) {
        const resolved = await resolveInRoot(root, parts.join('/'), true);
        dir = resolved.host;
        if (!resolved.exists) await mkdir(dir, { recursive: true, mode: 0o755 });
        // Re-resolve: mkdir created only plain directories, so this now exists inside root.
        dir = (await resolveInRoot(root, parts.join('/'), true)).host;
      }
      const target = join(dir, name);
      const tmp = join(dir, `.${name}.tmp-${randomBytes(6).toString('hex')}`);
      try {
        const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
        try {
          await fh.writeFile(data);
          await fh.datasync();
        } finally {
          await fh.close();
        }
        await rename(tmp, target);
      } catch (error) {
        await rm(tmp, { force: true });
        throw fromSystemError(error, target);
      }
    },
  };
  return { read, write };
}
