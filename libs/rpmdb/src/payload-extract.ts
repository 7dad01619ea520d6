/**
 * Extracting an RPM's files into a root directory, as rpm's installer lays them down: directories,
 * regular files (content verified against the header digests while streaming), symlinks,
 * hardlink sets, owners (names resolved through the root's own /etc/passwd and /etc/group), modes
 * including setuid/setgid, mtimes, and file capabilities as the `security.capability` xattr.
 *
 * Nothing is ever written outside the root: every path is checked (no absolute components, no
 * `..`, no `.`, no NUL), parents are walked component by component with lstat and a symlink in a
 * parent is refused (or, with `symlinkParents: 'in-root'`, resolved as if the root were `/`,
 * clamped at the root the way a chroot would); new files are created under a temporary name with
 * O_EXCL (which never follows a symlink) and renamed into place, which replaces a symlink instead
 * of writing through it.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readFile, readlink, rename, symlink, unlink, utimes } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { setAttribute } from '@napi-rs/xattr';
import { ConflictError, CorruptError, IoError, fromSystemError, isTsostreeError, throwIfAborted } from '@tsostree/errors';
import { capsTextToXattr } from './format/file-caps.js';
import { hardlinkGroups, packageFiles, type RpmFileEntry } from './format/package-info.js';
import { readPackageHeaders } from './package-read.js';
import { readPayloadFiles } from './payload-read.js';

export interface ExtractProgress {
  type: 'file';
  path: string;
  /** Files done so far and in total (ghosts excluded). */
  done: number;
  total: number;
  bytes: number;
}

export interface ExtractOptions {
  signal?: AbortSignal;
  onProgress?: (event: ExtractProgress) => void;
  /** Verify payload and file digests (default true). */
  verify?: boolean;
  /**
   * Maps user and group names to ids. Default: the root's `etc/passwd` and `etc/group`, `root` → 0,
   * and 0 for unknown names (rpm's "user X does not exist - using root").
   */
  owners?: (user: string, group: string) => { uid: number; gid: number };
  /** Apply owners (default true; needs privileges). */
  chown?: boolean;
  /** Write `security.capability` for files with FILECAPS (default true). */
  capabilities?: boolean;
  /** What to do when a parent directory is a symlink: refuse (default) or resolve it inside the root. */
  symlinkParents?: 'reject' | 'in-root';
}

export interface ExtractResult {
  files: number;
  bytes: number;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function unsafe(path: string, detail: string): never {
  throw new CorruptError(`unsafe path in package: ${JSON.stringify(path)} (${detail})`, { data: { path, reason: 'unsafe-path', detail } });
}

/** Splits a package path into safe components, or throws CorruptError. */
export function safePathComponents(path: string): string[] {
  if (!path.startsWith('/')) unsafe(path, 'not absolute in the header');
  if (path.includes('\0')) unsafe(path, 'contains NUL');
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) unsafe(path, 'is the root itself');
  for (const p of parts) if (p === '..' || p === '.') unsafe(path, `contains ${p}`);
  return parts;
}

async function loadIds(root: string, file: string): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  let text: string;
  try {
    text = await readFile(join(root, file), 'utf8');
  } catch {
    return ids;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && /^\d+$/.test(f[2]!)) ids.set(f[0]!, Number(f[2]));
  }
  return ids;
}

async function lstatOrNull(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fromSystemError(err, `lstat ${p}`);
  }
}

/** Walks `parts` under root, creating missing directories, refusing or resolving symlinks. */
async function ensureParents(root: string, parts: string[], mode: 'reject' | 'in-root', original: string): Promise<string[]> {
  let resolved: string[] = [];
  const queue = [...parts];
  let hops = 0;
  while (queue.length) {
    const name = queue.shift()!;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    if (name === '.' || name === '') continue;
    const here = join(root, ...resolved, name);
    const st = await lstatOrNull(here);
    if (st === null) {
      try {
        await mkdir(here, { mode: 0o755 });
      } catch (err) {
        throw fromSystemError(err, `mkdir ${here}`);
      }
      resolved.push(name);
    } else if (st.isDirectory()) {
      resolved.push(name);
    } else if (st.isSymbolicLink()) {
      if (mode === 'reject') unsafe(original, `parent /${[...resolved, name].join('/')} is a symlink`);
      if (++hops > 40) unsafe(original, 'too many symlinks in its parents');
      const target = await readlink(here);
      if (target.startsWith('/')) resolved = [];
      queue.unshift(...target.split('/'));
    } else {
      throw new ConflictError(`cannot create ${original}: /${[...resolved, name].join('/')} is not a directory`, { data: { path: original } });
    }
  }
  return resolved;
}

function tempName(dir: string, base: string): string {
  return join(dir, `.${base.slice(0, 64)};${randomBytes(6).toString('hex')}`);
}

/** Moves `tmp` onto `dest`, refusing to replace a directory with something else. */
async function replace(tmp: string, dest: string, original: string): Promise<void> {
  const st = await lstatOrNull(dest);
  if (st?.isDirectory()) {
    await unlink(tmp).catch(() => undefined);
    throw new ConflictError(`cannot replace directory ${original} with a file`, { data: { path: original } });
  }
  try {
    await rename(tmp, dest);
  } catch (err) {
    throw fromSystemError(err, `rename ${dest}`);
  }
}

/** Extracts every file of the package at `rpmPath` under `root`. */
export async function extractPackage(rpmPath: string, root: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const headers = await readPackageHeaders(rpmPath);
  const files = packageFiles(headers.header);
  for (const f of files) safePathComponents(f.path);
  const users = options.owners ? undefined : await loadIds(root, 'etc/passwd');
  const groups = options.owners ? undefined : await loadIds(root, 'etc/group');
  const owners =
    options.owners ??
    ((user: string, group: string) => ({
      uid: user === 'root' ? 0 : (users!.get(user) ?? 0),
      gid: group === 'root' ? 0 : (groups!.get(group) ?? 0),
    }));
  const chownWanted = options.chown ?? true;
  const capsWanted = options.capabilities ?? true;
  const parentsMode = options.symlinkParents ?? 'reject';

  // Hardlink sets: index → group; the first member materialised becomes the link source.
  const groupOf = new Map<number, number[]>();
  for (const g of hardlinkGroups(files)) for (const i of g) groupOf.set(i, g);
  const materialised = new Map<number[], string>();
  const pendingLinks = new Map<number[], Array<{ dest: string; file: RpmFileEntry }>>();
  const dirs: Array<{ path: string; file: RpmFileEntry }> = [];
  const total = files.filter((f) => !f.ghost).length;
  let done = 0;
  let bytes = 0;

  const applyMeta = async (p: string, f: RpmFileEntry) => {
    const type = f.mode & S_IFMT;
    try {
      if (chownWanted) {
        const { uid, gid } = owners(f.user, f.group);
        await lchown(p, uid, gid);
      }
      if (type !== S_IFLNK) await chmod(p, f.mode & 0o7777);
      if (type === S_IFREG && f.caps && capsWanted) await setAttribute(p, 'security.capability', Buffer.from(capsTextToXattr(f.caps)));
      if (type === S_IFLNK) await lutimes(p, f.mtime, f.mtime);
      else await utimes(p, f.mtime, f.mtime);
    } catch (err) {
      if (isTsostreeError(err)) throw err;
      throw err instanceof Error && 'code' in err ? fromSystemError(err, `setting metadata of ${f.path}`) : new IoError(`setting metadata of ${f.path}`, { cause: err });
    }
  };

  const place = async (f: RpmFileEntry): Promise<{ dir: string; dest: string }> => {
    const parts = safePathComponents(f.path);
    const parent = await ensureParents(root, parts.slice(0, -1), parentsMode, f.path);
    const dir = join(root, ...parent);
    return { dir, dest: join(dir, parts[parts.length - 1]!) };
  };

  for await (const { index, file: f, entry, data } of readPayloadFiles(rpmPath, { ...options, headers })) {
    throwIfAborted(options.signal);
    const type = f.mode & S_IFMT;
    const { dir, dest } = await place(f);
    const base = posix.basename(f.path);
    if (type === S_IFDIR) {
      const st = await lstatOrNull(dest);
      if (st === null) await mkdir(dest, { mode: 0o700 }).catch((err: unknown) => Promise.reject(fromSystemError(err, `mkdir ${dest}`)));
      else if (!st.isDirectory()) {
        if (st.isSymbolicLink() && parentsMode === 'in-root') {
          // An existing symlink to a directory stands in for it (rpm keeps such links).
        } else throw new ConflictError(`cannot create directory ${f.path}: something else is there`, { data: { path: f.path } });
      }
      dirs.push({ path: dest, file: f });
    } else if (type === S_IFLNK) {
      if (entry.size > 4096) {
        throw new CorruptError(`${f.path}: symlink target of ${entry.size} bytes`, { data: { path: f.path, reason: 'link-too-long' } });
      }
      const chunks: Uint8Array[] = [];
      for await (const c of data) chunks.push(Buffer.from(c));
      const fromArchive = Buffer.concat(chunks).toString('utf8');
      if (fromArchive !== f.linkTo) {
        throw new CorruptError(`${f.path}: symlink target in the payload differs from the header`, { data: { path: f.path, reason: 'link-mismatch' } });
      }
      const tmp = tempName(dir, base);
      await symlink(f.linkTo, tmp).catch((err: unknown) => Promise.reject(fromSystemError(err, `symlink ${dest}`)));
      await replace(tmp, dest, f.path);
      await applyMeta(dest, f);
    } else if (type === S_IFREG) {
      const group = groupOf.get(index);
      const source = group ? materialised.get(group) : undefined;
      if (group && (source !== undefined || (entry.size === 0 && f.size > 0))) {
        if (source !== undefined) {
          const tmp = tempName(dir, base);
          await link(source, tmp).catch((err: unknown) => Promise.reject(fromSystemError(err, `link ${dest}`)));
          await replace(tmp, dest, f.path);
        } else {
          const list = pendingLinks.get(group) ?? [];
          list.push({ dest, file: f });
          pendingLinks.set(group, list);
        }
      } else {
        const tmp = tempName(dir, base);
        let fh;
        try {
          fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        } catch (err) {
          throw fromSystemError(err, `creating ${dest}`);
        }
        try {
          for await (const chunk of data) {
            await fh.write(chunk);
            bytes += chunk.length;
          }
        } catch (err) {
          await fh.close();
          await unlink(tmp).catch(() => undefined);
          throw err;
        }
        await fh.close();
        await replace(tmp, dest, f.path);
        await applyMeta(dest, f);
        if (group) {
          materialised.set(group, dest);
          for (const p of pendingLinks.get(group) ?? []) {
            const t = tempName(posix.dirname(p.dest), posix.basename(p.dest));
            await link(dest, t).catch((err: unknown) => Promise.reject(fromSystemError(err, `link ${p.dest}`)));
            await replace(t, p.dest, p.file.path);
          }
          pendingLinks.delete(group);
        }
      }
    } else {
      // Device nodes, FIFOs and sockets are not laid down by this extractor (images never need them).
      for await (const _ of data) {
        // discard
      }
      done++;
      continue;
    }
    done++;
    options.onProgress?.({ type: 'file', path: f.path, done, total, bytes });
  }
  if (pendingLinks.size > 0) {
    const first = [...pendingLinks.values()][0]![0]!;
    throw new CorruptError(`${rpmPath}: hardlink set of ${first.file.path} has no content in the payload`, { data: { path: first.file.path, reason: 'missing-hardlink' } });
  }
  // Directory metadata last, deepest first, so restrictive modes never block the extraction itself.
  for (const d of dirs.reverse()) await applyMeta(d.path, d.file);
  return { files: done, bytes };
}
