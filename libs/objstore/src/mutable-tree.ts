import { ConflictError, CorruptError } from '@tsostree/errors';
import { parseDirTree, serializeDirTree, type DirTree } from './format/dirtree.js';
import { OSTREE_MAX_RECURSION } from './format/checksum.js';
import { assertFilename } from './format/validate.js';
import { readMetadataObject, readMetadataObjectSync, writeMetadataObjectSync, type WriteTxn } from './repo-objects.js';
import type { Repo } from './repo.js';

/**
 * An in-memory directory tree being built for a commit (ostree `OstreeMutableTree`): files map to
 * content checksums, subdirectories to nested trees with a dirmeta checksum. A subtree loaded from
 * an existing commit stays lazy (only its checksums) until something changes inside it.
 */
export class MutableTree {
  files = new Map<string, string>();
  dirs = new Map<string, MutableTree>();
  metaChecksum: string | undefined;
  /** Checksum of the unmodified dirtree this node was loaded from (lazy node). */
  private contentsChecksum: string | undefined;
  /** The dirtree a lazy node's children still have to be read from. */
  private lazyTree: string | undefined;
  private loaded = true;

  static lazy(treeChecksum: string, metaChecksum: string): MutableTree {
    const t = new MutableTree();
    t.contentsChecksum = treeChecksum;
    t.lazyTree = treeChecksum;
    t.metaChecksum = metaChecksum;
    t.loaded = false;
    return t;
  }

  /** Loads the children of a lazy node. */
  async ensureLoaded(repo: Repo): Promise<void> {
    if (this.loaded) return;
    this.fill(parseDirTree(await readMetadataObject(repo, 'dirtree', this.lazyTree!)));
  }

  /** Synchronous {@link ensureLoaded} (dirtree objects are small). */
  ensureLoadedSync(repo: Repo): void {
    if (this.loaded) return;
    this.fill(parseDirTree(readMetadataObjectSync(repo, 'dirtree', this.lazyTree!)));
  }

  private fill(tree: DirTree): void {
    for (const f of tree.files) this.files.set(f.name, f.checksum);
    for (const d of tree.dirs) this.dirs.set(d.name, MutableTree.lazy(d.treeChecksum, d.metaChecksum));
    this.loaded = true;
  }

  /** Marks this node modified (its dirtree must be re-serialized). */
  touch(): void {
    this.contentsChecksum = undefined;
  }

  /** Replaces or adds a file; a directory of the same name is replaced (later trees win, as in ostree). */
  async putFile(repo: Repo, name: string, checksum: string): Promise<void> {
    assertFilename(name);
    await this.ensureLoaded(repo);
    this.dirs.delete(name);
    this.files.set(name, checksum);
    this.touch();
  }

  /** Synchronous {@link putFile}. */
  putFileSync(repo: Repo, name: string, checksum: string): void {
    assertFilename(name);
    this.ensureLoadedSync(repo);
    this.dirs.delete(name);
    this.files.set(name, checksum);
    this.touch();
  }

  /** Returns the subdirectory `name`, creating it (or replacing a file of that name). */
  async ensureDir(repo: Repo, name: string): Promise<MutableTree> {
    assertFilename(name);
    await this.ensureLoaded(repo);
    let d = this.dirs.get(name);
    if (!d) {
      this.files.delete(name);
      d = new MutableTree();
      this.dirs.set(name, d);
    }
    this.touch();
    return d;
  }

  /** Walks (creating) a `/`-separated path of directories below this node. */
  async ensurePath(repo: Repo, path: string): Promise<MutableTree> {
    let node: MutableTree = this;
    for (const part of path.split('/').filter((p) => p !== '')) node = await node.ensureDir(repo, part);
    return node;
  }

  /** Writes every modified dirtree bottom-up and returns this node's dirtree checksum. */
  async write(repo: Repo, txn?: WriteTxn, depth = 0): Promise<string> {
    return this.writeSync(repo, txn, depth);
  }

  /** Synchronous {@link write}: dirtrees are small, one direct write each. */
  writeSync(repo: Repo, txn?: WriteTxn, depth = 0): string {
    if (depth > OSTREE_MAX_RECURSION) throw new CorruptError(`tree exceeds the maximum depth ${OSTREE_MAX_RECURSION}`);
    if (this.contentsChecksum !== undefined) return this.contentsChecksum;
    this.ensureLoadedSync(repo);
    const tree: DirTree = { files: [], dirs: [] };
    for (const [name, checksum] of this.files) tree.files.push({ name, checksum });
    for (const [name, sub] of this.dirs) {
      const treeChecksum = sub.writeSync(repo, txn, depth + 1);
      if (sub.metaChecksum === undefined) throw new ConflictError(`directory ${name} has no metadata`);
      tree.dirs.push({ name, treeChecksum, metaChecksum: sub.metaChecksum });
    }
    this.contentsChecksum = writeMetadataObjectSync(repo, 'dirtree', serializeDirTree(tree), txn ? { txn } : {});
    return this.contentsChecksum;
  }
}
