import { ConflictError, NotFoundError } from '@tsostree/errors';
import {
  dirnameRel,
  modeBitsOfKind,
  splitRelPath,
  type EntryAttrs,
  type EntryStat,
  type FsPort,
  type MkdirResult,
} from './fs-port.js';

interface OverlayNode {
  stat: EntryStat;
  /** Created here: a directory hides whatever the base had under it. */
  opaque: boolean;
  data?: Uint8Array;
  target?: string;
  xattrs?: Map<string, Uint8Array>;
}

/**
 * A copy-on-write view of another port: reads fall through to the base, writes stay in memory.
 * Dry runs run the real merge against it, so they see exactly the decisions a real run makes
 * without touching the tree.
 */
export class OverlayFsPort implements FsPort {
  /** path → node, or null for a removed path (whiteout). */
  private readonly entries = new Map<string, OverlayNode | null>();

  constructor(private readonly base: FsPort) {}

  /** The overlay's view: the node when overridden here, null when hidden, undefined to ask the base. */
  private lookup(path: string): OverlayNode | null | undefined {
    const own = this.entries.get(path);
    if (own !== undefined) return own;
    let p = path;
    while (p !== '') {
      p = dirnameRel(p);
      const anc = this.entries.get(p);
      if (anc === null) return null;
      if (anc !== undefined) {
        if (anc.stat.kind !== 'dir') return null;
        if (anc.opaque) return null;
      }
    }
    return undefined;
  }

  async lstat(path: string): Promise<EntryStat | undefined> {
    splitRelPath(path);
    const node = this.lookup(path);
    if (node === null) return undefined;
    if (node) return { ...node.stat };
    return this.base.lstat(path);
  }

  private async need(path: string, op: string): Promise<EntryStat> {
    const st = await this.lstat(path);
    if (!st) throw new NotFoundError(`${op} ${path}: No such file or directory`, { data: { errno: 'ENOENT', path } });
    return st;
  }

  async readdir(path: string): Promise<string[]> {
    const st = await this.need(path, 'opendir');
    if (st.kind !== 'dir') throw new ConflictError(`opendir ${path}: Not a directory`, { data: { path } });
    const node = this.lookup(path);
    const names: string[] = [];
    if (!node?.opaque) {
      for (const n of await this.base.readdir(path)) {
        const child = path === '' ? n : `${path}/${n}`;
        if (this.lookup(child) !== null) names.push(n);
      }
    }
    const prefix = path === '' ? '' : `${path}/`;
    for (const [p, v] of this.entries) {
      if (v === null || !p.startsWith(prefix) || p === path) continue;
      const rest = p.slice(prefix.length);
      if (rest.includes('/') || names.includes(rest)) continue;
      if (this.lookup(p) !== null) names.push(rest);
    }
    return names;
  }

  async readFile(path: string): Promise<Uint8Array> {
    const node = this.lookup(path);
    if (node === null) await this.need(path, 'open');
    if (node?.data) return node.data;
    return this.base.readFile(path);
  }

  async readlink(path: string): Promise<string> {
    const node = this.lookup(path);
    if (node === null) await this.need(path, 'readlink');
    if (node?.target !== undefined) return node.target;
    return this.base.readlink(path);
  }

  async mkdir(path: string): Promise<MkdirResult> {
    if (path === '') return 'exists';
    const parent = await this.lstat(dirnameRel(path));
    if (!parent) return 'missing-parent';
    if (parent.kind !== 'dir') return 'not-a-directory';
    if (await this.lstat(path)) return 'exists';
    this.entries.set(path, {
      stat: { kind: 'dir', mode: 0o040700, uid: 0, gid: 0, size: 0, mtimeMs: 0 },
      opaque: true,
      xattrs: new Map(),
    });
    return 'created';
  }

  private async parentOk(path: string): Promise<void> {
    const parent = await this.need(dirnameRel(path), 'open');
    if (parent.kind !== 'dir') throw new ConflictError(`${path}: Not a directory`, { data: { path } });
  }

  async writeFile(path: string, data: Uint8Array, attrs: EntryAttrs, mtimeMs?: number): Promise<void> {
    await this.parentOk(path);
    const old = await this.lstat(path);
    if (old && old.kind !== 'file') throw new ConflictError(`writing ${path}: exists and is not a regular file`);
    this.entries.set(path, {
      stat: { kind: 'file', mode: modeBitsOfKind('file') | (attrs.mode & 0o7777), uid: attrs.uid, gid: attrs.gid, size: data.length, mtimeMs: mtimeMs ?? 0 },
      opaque: true,
      data: Uint8Array.from(data),
      xattrs: new Map(),
    });
  }

  async symlink(target: string, path: string, owner: { uid: number; gid: number }, mtimeMs?: number): Promise<void> {
    await this.parentOk(path);
    if (await this.lstat(path)) throw new ConflictError(`symlink ${path}: File exists`, { data: { errno: 'EEXIST', path } });
    this.entries.set(path, {
      stat: { kind: 'symlink', mode: 0o120777, uid: owner.uid, gid: owner.gid, size: target.length, mtimeMs: mtimeMs ?? 0 },
      opaque: true,
      target,
      xattrs: new Map(),
    });
  }

  /** Brings a base entry into the overlay (metadata only; content stays read-through). */
  private async copyUp(path: string): Promise<OverlayNode> {
    const node = this.lookup(path);
    if (node) return node;
    const st = await this.need(path, 'open');
    const xattrs = new Map<string, Uint8Array>();
    for (const n of await this.base.listXattrs(path)) {
      const v = await this.base.getXattr(path, n);
      if (v) xattrs.set(n, v);
    }
    const up: OverlayNode = { stat: st, opaque: false, xattrs };
    if (st.kind === 'file') up.data = await this.base.readFile(path);
    if (st.kind === 'symlink') up.target = await this.base.readlink(path);
    this.entries.set(path, up);
    return up;
  }

  async setAttrs(path: string, attrs: EntryAttrs): Promise<void> {
    const node = await this.copyUp(path);
    node.stat = { ...node.stat, uid: attrs.uid, gid: attrs.gid };
    if (node.stat.kind !== 'symlink') node.stat.mode = (node.stat.mode & 0o170000) | (attrs.mode & 0o7777);
  }

  async listXattrs(path: string): Promise<string[]> {
    const node = this.lookup(path);
    if (node === null) await this.need(path, 'llistxattr');
    if (node?.xattrs) return [...node.xattrs.keys()];
    return this.base.listXattrs(path);
  }

  async getXattr(path: string, name: string): Promise<Uint8Array | undefined> {
    const node = this.lookup(path);
    if (node === null) return undefined;
    if (node?.xattrs) return node.xattrs.get(name);
    return this.base.getXattr(path, name);
  }

  async setXattr(path: string, name: string, value: Uint8Array): Promise<void> {
    const node = await this.copyUp(path);
    node.xattrs!.set(name, Uint8Array.from(value));
  }

  private drop(path: string): void {
    const prefix = `${path}/`;
    for (const p of [...this.entries.keys()]) if (p.startsWith(prefix)) this.entries.delete(p);
    this.entries.set(path, null);
  }

  async unlink(path: string): Promise<void> {
    const st = await this.need(path, 'unlink');
    if (st.kind === 'dir') throw new ConflictError(`unlink ${path}: Is a directory`, { data: { errno: 'EISDIR', path } });
    this.drop(path);
  }

  async rmTree(path: string): Promise<void> {
    const parts = splitRelPath(path);
    if (await this.lstat(path)) {
      this.drop(path);
      return;
    }
    for (let i = 1; i < parts.length; i++) {
      const st = await this.lstat(parts.slice(0, i).join('/'));
      if (!st) return;
      if (st.kind !== 'dir') throw new ConflictError(`unlinkat ${path}: Not a directory`, { data: { errno: 'ENOTDIR', path } });
    }
  }
}
