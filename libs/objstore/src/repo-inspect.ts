import type { Readable } from 'node:stream';
import { InvalidArgumentError, NotFoundError } from '@tsostree/errors';
import { parseDirMeta, type DirMeta } from './format/dirmeta.js';
import { parseDirTree, type DirTree } from './format/dirtree.js';

import { commitParent, loadCommit } from './repo-commit.js';
import { openContent, type ContentMeta } from './repo-content.js';
import { commitsWithPrefix, readMetadataObject } from './repo-objects.js';
import { resolveRev } from './repo-refs.js';
import type { Repo } from './repo.js';
import type { Xattr } from './xattrs.js';

/** One entry as `ostree ls` shows it. */
export interface TreeEntry {
  /** Absolute path inside the commit (`/` for the root). */
  path: string;
  type: 'directory' | 'file' | 'symlink';
  /** Full mode including the file type bits. */
  mode: number;
  uid: number;
  gid: number;
  /** Content size (0 for directories and symlinks). */
  size: number;
  /** Content checksum (files, symlinks) or dirtree checksum (directories). */
  checksum: string;
  /** Dirmeta checksum (directories). */
  metaChecksum?: string;
  symlinkTarget?: string;
  xattrs: Xattr[];
}

/** Resolves `rev` with parent and partial-checksum support. */
export async function resolveCommit(repo: Repo, rev: string): Promise<string> {
  return (await resolveRev(repo, rev, { parentOf: (c) => commitParent(repo, c), commitsWithPrefix: (p) => commitsWithPrefix(repo, p) }))!;
}

type Node = { kind: 'dir'; tree: string; meta: string } | { kind: 'file'; checksum: string };

function splitPath(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new InvalidArgumentError(`invalid path ${JSON.stringify(path)}`);
  return parts;
}

async function lookup(repo: Repo, commit: string, path: string): Promise<Node> {
  const c = await loadCommit(repo, commit);
  let node: Node = { kind: 'dir', tree: c.rootTree, meta: c.rootMeta };
  for (const part of splitPath(path)) {
    if (node.kind !== 'dir') throw new NotFoundError(`No such file or directory: ${path}`, { data: { path } });
    const tree: DirTree = parseDirTree(await readMetadataObject(repo, 'dirtree', node.tree));
    const d = tree.dirs.find((x) => x.name === part);
    const f = tree.files.find((x) => x.name === part);
    if (d) node = { kind: 'dir', tree: d.treeChecksum, meta: d.metaChecksum };
    else if (f) node = { kind: 'file', checksum: f.checksum };
    else throw new NotFoundError(`No such file or directory: ${path}`, { data: { path } });
  }
  return node;
}

function dirEntry(path: string, tree: string, meta: string, dm: DirMeta): TreeEntry {
  return { path, type: 'directory', mode: dm.mode, uid: dm.uid, gid: dm.gid, size: 0, checksum: tree, metaChecksum: meta, xattrs: dm.xattrs };
}

function fileEntry(path: string, checksum: string, meta: ContentMeta, size: number): TreeEntry {
  const link = meta.symlinkTarget !== '';
  return {
    path,
    type: link ? 'symlink' : 'file',
    mode: meta.mode,
    uid: meta.uid,
    gid: meta.gid,
    size: link ? 0 : size,
    checksum,
    ...(link ? { symlinkTarget: meta.symlinkTarget } : {}),
    xattrs: meta.xattrs,
  };
}

const joinPath = (dir: string, name: string): string => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/**
 * Lists a path of a commit like `ostree ls`: the path itself, then (for a directory) its
 * children — files first, then directories, as ostree prints them — recursively with `recursive`.
 * With `directoryOnly` (`-d`), only the path itself.
 */
export async function* listTree(
  repo: Repo,
  rev: string,
  path = '/',
  options: { recursive?: boolean; directoryOnly?: boolean } = {},
): AsyncGenerator<TreeEntry> {
  const commit = await resolveCommit(repo, rev);
  const node = await lookup(repo, commit, path);
  const norm = `/${splitPath(path).join('/')}`;
  if (node.kind === 'file') {
    const obj = await openContent(repo, node.checksum);
    yield fileEntry(norm, node.checksum, obj.meta, obj.size);
    return;
  }
  yield dirEntry(norm, node.tree, node.meta, parseDirMeta(await readMetadataObject(repo, 'dirmeta', node.meta)));
  if (options.directoryOnly) return;
  async function* children(dir: string, tree: string, depth: number): AsyncGenerator<TreeEntry> {
    if (depth > 256) throw new InvalidArgumentError('tree too deep');
    const t = parseDirTree(await readMetadataObject(repo, 'dirtree', tree));
    for (const f of t.files) {
      const obj = await openContent(repo, f.checksum);
      yield fileEntry(joinPath(dir, f.name), f.checksum, obj.meta, obj.size);
    }
    for (const d of t.dirs) {
      const p = joinPath(dir, d.name);
      yield dirEntry(p, d.treeChecksum, d.metaChecksum, parseDirMeta(await readMetadataObject(repo, 'dirmeta', d.metaChecksum)));
      if (options.recursive) yield* children(p, d.treeChecksum, depth + 1);
    }
  }
  yield* children(norm, node.tree, 0);
}

/** The content of a regular file in a commit (`ostree cat`), as a stream. */
export async function catFile(repo: Repo, rev: string, path: string): Promise<Readable> {
  const commit = await resolveCommit(repo, rev);
  const node = await lookup(repo, commit, path);
  if (node.kind === 'dir') throw new InvalidArgumentError(`${path} is a directory`, { data: { path } });
  const obj = await openContent(repo, node.checksum);
  if (obj.meta.symlinkTarget !== '') throw new InvalidArgumentError(`${path} is a symbolic link`, { data: { path } });
  return obj.stream();
}

export interface TreeDiff {
  modified: string[];
  removed: string[];
  added: string[];
}

/**
 * Differences between two commits (`ostree diff A B`): paths modified (content or metadata of a
 * file, or type change), removed and added; a removed or added directory is listed once.
 */
export async function diffCommits(repo: Repo, revA: string, revB: string): Promise<TreeDiff> {
  const a = await loadCommit(repo, await resolveCommit(repo, revA));
  const b = await loadCommit(repo, await resolveCommit(repo, revB));
  const out: TreeDiff = { modified: [], removed: [], added: [] };
  const walk = async (dir: string, ta: string, tb: string): Promise<void> => {
    if (ta === tb) return;
    const A = parseDirTree(await readMetadataObject(repo, 'dirtree', ta));
    const B = parseDirTree(await readMetadataObject(repo, 'dirtree', tb));
    const bf = new Map(B.files.map((f) => [f.name, f.checksum]));
    const bd = new Map(B.dirs.map((d) => [d.name, d]));
    const af = new Map(A.files.map((f) => [f.name, f.checksum]));
    const ad = new Map(A.dirs.map((d) => [d.name, d]));
    for (const f of A.files) {
      const p = joinPath(dir, f.name);
      const other = bf.get(f.name);
      if (other !== undefined) {
        if (other !== f.checksum) out.modified.push(p);
      } else if (bd.has(f.name)) out.modified.push(p);
      else out.removed.push(p);
    }
    for (const d of A.dirs) {
      const p = joinPath(dir, d.name);
      const other = bd.get(d.name);
      if (other) {
        if (other.metaChecksum !== d.metaChecksum) out.modified.push(p);
        await walk(p, d.treeChecksum, other.treeChecksum);
      } else if (bf.has(d.name)) out.modified.push(p);
      else out.removed.push(p);
    }
    for (const f of B.files) if (!af.has(f.name) && !ad.has(f.name)) out.added.push(joinPath(dir, f.name));
    for (const d of B.dirs) if (!ad.has(d.name) && !af.has(d.name)) out.added.push(joinPath(dir, d.name));
  };
  await walk('/', a.rootTree, b.rootTree);
  return out;
}


