// Declarative test trees and edits on the real filesystem (we run as root, so owners, devices and
// trusted xattrs are all available).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { getAttributeSync, listAttributesSync, setAttributeSync } from '@napi-rs/xattr';

/** One entry of a tree: a file (default), directory or symlink with owner, mode and user xattrs. */
export interface Entry {
  /** Path relative to the scenario root; '' is the scenario path itself. */
  p: string;
  t?: 'f' | 'd' | 'l';
  /** File content. */
  c?: string | Buffer;
  /** Permission bits (default 0644 for files, 0755 for directories). */
  m?: number;
  u?: number;
  g?: number;
  /** Symlink target. */
  l?: string;
  /** Extended attributes (use the user.* namespace). */
  x?: Record<string, string>;
}

const at = (root: string, p: string): string => (p === '' ? root : join(root, p));

/** Writes entries under `root` (parents are made 0755 when not listed). */
export function writeEntries(root: string, entries: readonly Entry[]): void {
  const dirs: { path: string; e: Entry }[] = [];
  for (const e of entries) {
    const path = at(root, e.p);
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    const t = e.t ?? (e.l !== undefined ? 'l' : 'f');
    if (t === 'd') {
      mkdirSync(path, { recursive: true, mode: 0o755 });
      dirs.push({ path, e });
      continue;
    }
    if (t === 'l') {
      symlinkSync(e.l!, path);
      lchownSync(path, e.u ?? 0, e.g ?? 0);
      continue;
    }
    writeFileSync(path, e.c ?? '');
    chownSync(path, e.u ?? 0, e.g ?? 0);
    chmodSync(path, e.m ?? 0o644);
    for (const [k, v] of Object.entries(e.x ?? {})) setAttributeSync(path, k, v);
  }
  // Directories last and deepest first, so restrictive modes never get in the way.
  dirs.sort((a, b) => b.path.length - a.path.length);
  for (const { path, e } of dirs) {
    chownSync(path, e.u ?? 0, e.g ?? 0);
    chmodSync(path, e.m ?? 0o755);
    for (const [k, v] of Object.entries(e.x ?? {})) setAttributeSync(path, k, v);
  }
}

/** Local edits made on a deployed /etc, relative to one scenario's path. */
export class Editor {
  constructor(readonly root: string) {}
  private at(p: string): string {
    return at(this.root, p);
  }
  write(p: string, content: string | Buffer, mode?: number): this {
    mkdirSync(dirname(this.at(p)), { recursive: true, mode: 0o755 });
    writeFileSync(this.at(p), content);
    if (mode !== undefined) chmodSync(this.at(p), mode);
    return this;
  }
  append(p: string, content: string): this {
    writeFileSync(this.at(p), readFileSync(this.at(p), 'utf8') + content);
    return this;
  }
  rm(p: string): this {
    rmSync(this.at(p), { recursive: true, force: true });
    return this;
  }
  mkdir(p: string, mode = 0o755): this {
    mkdirSync(this.at(p), { recursive: true });
    chmodSync(this.at(p), mode);
    return this;
  }
  chmod(p: string, mode: number): this {
    chmodSync(this.at(p), mode);
    return this;
  }
  chown(p: string, uid: number, gid: number): this {
    lchownSync(this.at(p), uid, gid);
    return this;
  }
  symlink(p: string, target: string): this {
    rmSync(this.at(p), { recursive: true, force: true });
    symlinkSync(target, this.at(p));
    return this;
  }
  xattr(p: string, name: string, value: string): this {
    setAttributeSync(this.at(p), name, value);
    return this;
  }
  fifo(p: string): this {
    execFileSync('mkfifo', [this.at(p)]);
    return this;
  }
  charDevice(p: string): this {
    execFileSync('mknod', [this.at(p), 'c', '1', '3']);
    return this;
  }
  socket(p: string): this {
    // Bind relative to the parent directory: socket paths are limited to 108 bytes.
    execFileSync('python3', ['-c', 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])', basename(this.at(p))], {
      cwd: dirname(this.at(p)),
    });
    return this;
  }
  hardlink(existing: string, p: string): this {
    execFileSync('ln', [this.at(existing), this.at(p)]);
    return this;
  }
}

/** One line per entry: kind, mode, owner, link count, content digest or target, user.* xattrs. */
export function manifest(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    const abs = rel === '' ? root : join(root, rel);
    const st = lstatSync(abs);
    const xattrs = listAttributesSync(abs)
      .filter((n) => n.startsWith('user.'))
      .sort()
      .map((n) => `${n}=${getAttributeSync(abs, n)?.toString('hex') ?? ''}`)
      .join(',');
    let what: string;
    if (st.isDirectory()) what = 'dir';
    else if (st.isSymbolicLink()) what = `symlink -> ${readlinkSync(abs)}`;
    else if (st.isFile()) what = `file sha256:${createHash('sha256').update(readFileSync(abs)).digest('hex').slice(0, 16)} nlink:${st.nlink}`;
    else if (st.isFIFO()) what = 'fifo';
    else if (st.isSocket()) what = 'socket';
    else what = 'device';
    const mode = st.isSymbolicLink() ? '' : ` mode:${(st.mode & 0o7777).toString(8)}`;
    if (rel !== '') out.set(rel, `${what}${mode} owner:${st.uid}:${st.gid}${xattrs ? ` xattrs:${xattrs}` : ''}`);
    if (st.isDirectory()) for (const n of readdirSync(abs).sort()) walk(rel === '' ? n : `${rel}/${n}`);
  };
  walk('');
  return out;
}

/** The part of a manifest at or under `prefix`, as a sorted plain object (nice vitest diffs). */
export function manifestUnder(m: Map<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of [...m].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (k === prefix || k.startsWith(`${prefix}/`)) out[k] = v;
  }
  return out;
}
