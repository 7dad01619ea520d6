import { InvalidArgumentError, IoError } from '@tsostree/errors';
import type { SysrootReadPort, SysrootWritePort } from '../bootloader-backend.js';

/** A node of an in-memory sysroot: file bytes, a directory, or a symlink target. */
export type MemoryNode = { type: 'file'; data: Uint8Array } | { type: 'dir' } | { type: 'symlink'; target: string };

/** Initial contents: path → file text/bytes, `{ symlink }`, or `{ dir: true }`. */
export type MemoryTree = Record<string, string | Uint8Array | { symlink: string } | { dir: true }>;

/**
 * An in-memory sysroot implementing both ports, with symlinks resolved like the filesystem ports
 * (confined to the root). For tests of backends and of code that drives them. `files` shows
 * the current state, `writes` the paths written in order.
 */
export class MemorySysroot {
  readonly nodes = new Map<string, MemoryNode>();
  readonly writes: string[] = [];

  constructor(tree: MemoryTree = {}) {
    for (const [path, value] of Object.entries(tree)) {
      this.#mkdirs(parent(path));
      if (typeof value === 'string') this.nodes.set(path, { type: 'file', data: new TextEncoder().encode(value) });
      else if (value instanceof Uint8Array) this.nodes.set(path, { type: 'file', data: value });
      else if ('symlink' in value) this.nodes.set(path, { type: 'symlink', target: value.symlink });
      else this.nodes.set(path, { type: 'dir' });
    }
  }

  /** A file's text after resolving symlinks, or undefined. */
  text(path: string): string | undefined {
    const r = this.#resolve(path, true);
    const node = r.exists ? this.nodes.get(r.path) : undefined;
    return node?.type === 'file' ? new TextDecoder().decode(node.data) : undefined;
  }

  #mkdirs(dir: string): void {
    let cur = '';
    for (const comp of dir.split('/').filter((c) => c !== '')) {
      cur = cur === '' ? comp : `${cur}/${comp}`;
      if (!this.nodes.has(cur)) this.nodes.set(cur, { type: 'dir' });
    }
  }

  #resolve(path: string, followLast: boolean): { path: string; exists: boolean } {
    const queue = path.split('/');
    if (path === '' || path.startsWith('/') || queue.some((p) => p === '' || p === '.' || p === '..')) {
      throw new InvalidArgumentError(`invalid sysroot-relative path ${JSON.stringify(path)}`);
    }
    const cur: string[] = [];
    let hops = 0;
    while (queue.length > 0) {
      const comp = queue.shift()!;
      if (comp === '' || comp === '.') continue;
      if (comp === '..') {
        cur.pop();
        continue;
      }
      const candidate = [...cur, comp].join('/');
      const node = this.nodes.get(candidate);
      if (node === undefined) return { path: [...cur, comp, ...queue].join('/'), exists: false };
      const isLast = queue.length === 0;
      if (node.type === 'symlink' && (!isLast || followLast)) {
        if (++hops > 40) throw new IoError(`too many levels of symbolic links resolving ${path}`);
        if (node.target.startsWith('/')) cur.length = 0;
        queue.unshift(...node.target.split('/'));
        continue;
      }
      if (!isLast && node.type !== 'dir') return { path: [...cur, comp, ...queue].join('/'), exists: false };
      cur.push(comp);
    }
    return { path: cur.join('/'), exists: true };
  }

  readonly read: SysrootReadPort = {
    readFile: async (path) => {
      const r = this.#resolve(path, true);
      const node = r.exists ? this.nodes.get(r.path) : undefined;
      if (node === undefined) return undefined;
      if (node.type !== 'file') throw new IoError(`${path}: not a regular file`);
      return node.data.slice();
    },
    lstat: async (path) => {
      const r = this.#resolve(path, false);
      const node = r.exists ? this.nodes.get(r.path) : undefined;
      if (node === undefined) return undefined;
      return node.type === 'dir' ? 'directory' : node.type;
    },
    exists: async (path) => this.#resolve(path, true).exists,
    readDir: async (path) => {
      const r = this.#resolve(path, true);
      if (!r.exists || this.nodes.get(r.path)?.type !== 'dir') return undefined;
      const prefix = r.path === '' ? '' : `${r.path}/`;
      const names: string[] = [];
      for (const key of this.nodes.keys()) {
        if (key.startsWith(prefix) && key.length > prefix.length && !key.slice(prefix.length).includes('/')) {
          names.push(key.slice(prefix.length));
        }
      }
      return names;
    },
  };

  readonly write: SysrootWritePort = {
    writeFile: async (path, data) => {
      const dir = parent(path);
      let target = path;
      if (dir !== '') {
        const r = this.#resolve(dir, true);
        if (r.exists && this.nodes.get(r.path)?.type !== 'dir') throw new IoError(`${dir}: not a directory`);
        this.#mkdirs(r.path);
        target = `${r.path}/${path.slice(dir.length + 1)}`;
      } else {
        this.#resolve(path, false);
      }
      const existing = this.nodes.get(target);
      if (existing?.type === 'dir') throw new IoError(`${path}: is a directory`);
      this.nodes.set(target, { type: 'file', data: data.slice() });
      this.writes.push(path);
    },
  };
}

function parent(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}
