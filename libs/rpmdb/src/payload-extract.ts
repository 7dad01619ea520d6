/**
 * Extracting an RPM's files into a root directory, as rpm's installer lays them down: directories,
 * regular files (content verified against the header digests while streaming), symlinks,
 * hardlink sets, owners (names resolved through the root's own /etc/passwd and /etc/group), modes
 * including setuid/setgid, mtimes, and file capabilities as the `security.capability` xattr.
 *
 * Nothing is ever written outside the root: every path is checked (no absolute components, no
 * `..`, no `.`, no NUL), parents are walked component by component with lstat and a symlink in a
 * parent is refused (or, with `symlinkParents: 'in-root'`, resolved as if the root were `/`,
 * clamped at the root the way a chroot would); files are created with O_EXCL (which never follows
 * a symlink), in place when nothing is there yet, else under a temporary name renamed over the old
 * entry, which replaces a symlink instead of writing through it.
 *
 * The filesystem calls are synchronous on purpose: an extraction is thousands of tiny metadata
 * calls, and a thread-pool round trip per call made it several times slower than cpio.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { join, posix } from 'node:path';
import { setAttributeSync } from '@napi-rs/xattr';
import { ConflictError, CorruptError, IoError, fromSystemError, isTsostreeError, throwIfAborted } from '@tsostree/errors';
import { capsTextToXattr } from './format/file-caps.js';
import { hardlinkGroups, packageFiles, type RpmFileEntry } from './format/package-info.js';
import type { RpmPackageHeaders } from './format/package.js';
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
  /**
   * Files for which this returns true are not laid down (rpm's `--excludedocs`, `%_install_langs`); the caller
   * records them as not installed. Members of hardlink sets are always extracted.
   */
  skipFile?: (file: RpmFileEntry) => boolean;
  /** The package's headers, when the caller has already read them from this very file (saves reading them again). */
  headers?: RpmPackageHeaders;
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

function parseIds(text: string): Map<string, number> {
  const ids = new Map<string, number>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && /^\d+$/.test(f[2]!)) ids.set(f[0]!, Number(f[2]));
  }
  return ids;
}

/** What identifies a version of a file (it changes whenever the file is written or replaced), or '' when missing. */
function fileIdentity(path: string): string {
  try {
    const st = statSync(path, { bigint: true, throwIfNoEntry: false });
    return st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : '';
  } catch {
    return '';
  }
}

/**
 * The user and group ids of a root: its `etc/passwd` and `etc/group`, parsed again only when either file changed
 * (device, inode, size, mtime and ctime in nanoseconds). An installer extracting many packages into one root asks
 * for `owners()` before each package: two `stat` calls instead of reading and parsing both files every time, with
 * the same answers (a package or scriptlet that adds users changes the files).
 */
export class RootOwners {
  readonly #root: string;
  #key = '\0';
  #owners: (user: string, group: string) => { uid: number; gid: number } = () => ({ uid: 0, gid: 0 });

  constructor(root: string) {
    this.#root = root;
  }

  /** Maps names to ids like rpm: `root` → 0, unknown names → 0 (rpm's "user X does not exist - using root"). */
  owners(): (user: string, group: string) => { uid: number; gid: number } {
    const passwd = join(this.#root, 'etc/passwd');
    const group = join(this.#root, 'etc/group');
    const key = `${fileIdentity(passwd)}/${fileIdentity(group)}`;
    if (key !== this.#key) {
      const read = (p: string) => {
        try {
          return parseIds(readFileSync(p, 'utf8'));
        } catch {
          return new Map<string, number>();
        }
      };
      const users = read(passwd);
      const groups = read(group);
      this.#key = key;
      this.#owners = (user, grp) => ({
        uid: user === 'root' ? 0 : (users.get(user) ?? 0),
        gid: grp === 'root' ? 0 : (groups.get(grp) ?? 0),
      });
    }
    return this.#owners;
  }
}

function lstatOrNull(p: string) {
  try {
    return lstatSync(p, { throwIfNoEntry: false }) ?? null;
  } catch (err) {
    throw fromSystemError(err, `lstat ${p}`);
  }
}

/** Runs a filesystem call, turning system errors into typed ones. */
function sys<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fromSystemError(err, what);
  }
}

/**
 * Walks `parts` under root, creating missing directories, refusing or resolving symlinks.
 * `known` caches directories already verified in this extraction (they cannot turn into anything
 * else later: replacing a directory is refused).
 */
function ensureParents(root: string, parts: string[], mode: 'reject' | 'in-root', original: string, known: Set<string>): string[] {
  const key = parts.join('/');
  if (known.has(key)) return parts;
  let resolved: string[] = [];
  const queue = [...parts];
  let hops = 0;
  let direct = true;
  while (queue.length) {
    const name = queue.shift()!;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    if (name === '.' || name === '') continue;
    const here = join(root, ...resolved, name);
    const st = lstatOrNull(here);
    if (st === null) {
      sys(`mkdir ${here}`, () => mkdirSync(here, { mode: 0o755 }));
      resolved.push(name);
    } else if (st.isDirectory()) {
      resolved.push(name);
    } else if (st.isSymbolicLink()) {
      if (mode === 'reject') unsafe(original, `parent /${[...resolved, name].join('/')} is a symlink`);
      if (++hops > 40) unsafe(original, 'too many symlinks in its parents');
      direct = false;
      const target = sys(`readlink ${here}`, () => readlinkSync(here));
      if (target.startsWith('/')) resolved = [];
      queue.unshift(...target.split('/'));
    } else {
      throw new ConflictError(`cannot create ${original}: /${[...resolved, name].join('/')} is not a directory`, { data: { path: original } });
    }
    if (direct) known.add(resolved.join('/'));
  }
  return resolved;
}

function tempName(dir: string, base: string): string {
  return join(dir, `.${base.slice(0, 64)};${randomBytes(6).toString('hex')}`);
}

/** Moves `tmp` onto `dest`, refusing to replace a directory with something else. */
function replace(tmp: string, dest: string, original: string): void {
  const st = lstatOrNull(dest);
  if (st?.isDirectory()) {
    try {
      unlinkSync(tmp);
    } catch {
      // best effort
    }
    throw new ConflictError(`cannot replace directory ${original} with a file`, { data: { path: original } });
  }
  sys(`rename ${dest}`, () => renameSync(tmp, dest));
}

/** Extracts every file of the package at `rpmPath` under `root`. */
export async function extractPackage(rpmPath: string, root: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const headers = options.headers ?? (await readPackageHeaders(rpmPath));
  const files = packageFiles(headers.header);
  for (const f of files) safePathComponents(f.path);
  const chownWanted = options.chown ?? true;
  // Without chown the names are never resolved: the root's passwd and group are not read.
  const owners = options.owners ?? (chownWanted ? new RootOwners(root).owners() : () => ({ uid: 0, gid: 0 }));
  const capsWanted = options.capabilities ?? true;
  const parentsMode = options.symlinkParents ?? 'reject';

  // Hardlink sets: index → group; the first member materialised becomes the link source.
  const groupOf = new Map<number, number[]>();
  for (const g of hardlinkGroups(files)) for (const i of g) groupOf.set(i, g);
  const materialised = new Map<number[], string>();
  const pendingLinks = new Map<number[], Array<{ dest: string; file: RpmFileEntry }>>();
  const dirs: Array<{ path: string; file: RpmFileEntry }> = [];
  const knownDirs = new Set<string>();
  const total = files.filter((f) => !f.ghost).length;
  let done = 0;
  let bytes = 0;

  const applyMeta = (p: string, f: RpmFileEntry) => {
    const type = f.mode & S_IFMT;
    try {
      if (chownWanted) {
        const { uid, gid } = owners(f.user, f.group);
        lchownSync(p, uid, gid);
      }
      if (type !== S_IFLNK) chmodSync(p, f.mode & 0o7777);
      if (type === S_IFREG && f.caps && capsWanted) setAttributeSync(p, 'security.capability', capsTextToXattr(f.caps));
      if (type === S_IFLNK) lutimesSync(p, f.mtime, f.mtime);
      else utimesSync(p, f.mtime, f.mtime);
    } catch (err) {
      if (isTsostreeError(err)) throw err;
      throw err instanceof Error && 'code' in err ? fromSystemError(err, `setting metadata of ${f.path}`) : new IoError(`setting metadata of ${f.path}`, { cause: err });
    }
  };

  const place = (f: RpmFileEntry): { dir: string; dest: string } => {
    const parts = safePathComponents(f.path);
    const parent = ensureParents(root, parts.slice(0, -1), parentsMode, f.path, knownDirs);
    const dir = join(root, ...parent);
    return { dir, dest: join(dir, parts[parts.length - 1]!) };
  };

  for await (const { index, file: f, entry, data } of readPayloadFiles(rpmPath, { ...options, headers })) {
    throwIfAborted(options.signal);
    if (options.skipFile && !groupOf.has(index) && options.skipFile(f)) {
      for await (const _ of data) {
        // not installed: discard (the digests are still checked while reading)
      }
      done++;
      continue;
    }
    const type = f.mode & S_IFMT;
    const { dir, dest } = place(f);
    const base = posix.basename(f.path);
    if (type === S_IFDIR) {
      const st = lstatOrNull(dest);
      if (st === null) sys(`mkdir ${dest}`, () => mkdirSync(dest, { mode: 0o700 }));
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
      if (lstatOrNull(dest) === null) {
        sys(`symlink ${dest}`, () => symlinkSync(f.linkTo, dest));
      } else {
        const tmp = tempName(dir, base);
        sys(`symlink ${dest}`, () => symlinkSync(f.linkTo, tmp));
        replace(tmp, dest, f.path);
      }
      applyMeta(dest, f);
    } else if (type === S_IFREG) {
      const group = groupOf.get(index);
      const source = group ? materialised.get(group) : undefined;
      if (group && (source !== undefined || (entry.size === 0 && f.size > 0))) {
        if (source !== undefined) {
          const tmp = tempName(dir, base);
          sys(`link ${dest}`, () => linkSync(source, tmp));
          replace(tmp, dest, f.path);
        } else {
          const list = pendingLinks.get(group) ?? [];
          list.push({ dest, file: f });
          pendingLinks.set(group, list);
        }
      } else {
        // Nothing there yet (the usual case): create in place. O_EXCL never follows a symlink.
        const direct = lstatOrNull(dest) === null;
        const tmp = direct ? dest : tempName(dir, base);
        const fd = sys(`creating ${dest}`, () => openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
        try {
          for await (const chunk of data) {
            let off = 0;
            while (off < chunk.length) off += sys(`writing ${dest}`, () => writeSync(fd, chunk, off, chunk.length - off));
            bytes += chunk.length;
          }
        } catch (err) {
          closeSync(fd);
          try {
            unlinkSync(tmp);
          } catch {
            // best effort
          }
          throw err;
        }
        closeSync(fd);
        if (!direct) replace(tmp, dest, f.path);
        applyMeta(dest, f);
        if (group) {
          materialised.set(group, dest);
          for (const p of pendingLinks.get(group) ?? []) {
            const t = tempName(posix.dirname(p.dest), posix.basename(p.dest));
            sys(`link ${p.dest}`, () => linkSync(dest, t));
            replace(t, p.dest, p.file.path);
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
  for (const d of dirs.reverse()) applyMeta(d.path, d.file);
  return { files: done, bytes };
}
