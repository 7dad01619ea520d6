import { NotFoundError } from '@tsostree/errors';
import type { EntryAttrs, EntryStat, FsPort, MkdirResult } from './fs-port.js';
import { OverlayFsPort } from './overlay-fs-port.js';

/** A read-only tree holding only an empty root directory. */
class EmptyTree implements FsPort {
  constructor(private readonly rootAttrs: EntryAttrs) {}
  async lstat(path: string): Promise<EntryStat | undefined> {
    if (path !== '') return undefined;
    const { uid, gid, mode } = this.rootAttrs;
    return { kind: 'dir', mode: 0o040000 | (mode & 0o7777), uid, gid, size: 0, mtimeMs: 0 };
  }
  async readdir(): Promise<string[]> {
    return [];
  }
  private missing(path: string): never {
    throw new NotFoundError(`${path}: No such file or directory`, { data: { errno: 'ENOENT', path } });
  }
  async readFile(path: string): Promise<Uint8Array> {
    return this.missing(path);
  }
  async readlink(path: string): Promise<string> {
    return this.missing(path);
  }
  async mkdir(): Promise<MkdirResult> {
    return 'missing-parent';
  }
  async writeFile(path: string): Promise<void> {
    this.missing(path);
  }
  async symlink(_target: string, path: string): Promise<void> {
    this.missing(path);
  }
  async setAttrs(path: string): Promise<void> {
    this.missing(path);
  }
  async listXattrs(): Promise<string[]> {
    return [];
  }
  async getXattr(): Promise<Uint8Array | undefined> {
    return undefined;
  }
  async setXattr(path: string): Promise<void> {
    this.missing(path);
  }
  async unlink(path: string): Promise<void> {
    this.missing(path);
  }
  async rmTree(): Promise<void> {}
}

/**
 * An in-memory tree (for tests and for callers that build an /etc in memory): an overlay over an
 * empty root directory, so every write lands in memory. Owners and modes are stored as given.
 */
export class MemFsPort extends OverlayFsPort {
  constructor(rootAttrs: EntryAttrs = { uid: 0, gid: 0, mode: 0o755 }) {
    super(new EmptyTree(rootAttrs));
  }
}
