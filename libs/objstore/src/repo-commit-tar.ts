// `ostree commit --tree=tar=FILE`: imports a tar archive (plain or gzip) into a MutableTree,
// following what ostree 2022.7 does through libarchive (measured against it, see the tests):
// - paths are relative to the archive root (`./x`, `/x` and `x` are the same entry); `.` is the root;
// - a directory entry sets that directory's metadata; files, symlinks and hardlinks need an
//   existing parent directory, unless `autocreateParents` (`--tar-autocreate-parents`) creates the
//   missing ones as 0755 with the entry's owner — and then also resets the root's metadata to that;
// - without any metadata for the root the commit fails ("Can't commit an empty tree");
// - xattrs come from pax `SCHILY.xattr.*` records.
import { closeSync, createReadStream, openSync, readSync, rmSync, type ReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import * as tarStream from 'tar-stream';
import { CorruptError, NotFoundError, UnsupportedError, fromSystemError, isTsostreeError, throwIfAborted } from '@tsostree/errors';
import { serializeDirMeta } from './format/dirmeta.js';
import { S_IFDIR, S_IFLNK, S_IFREG, filenameProblem } from './format/validate.js';
import { MutableTree } from './mutable-tree.js';
import { SMALL_FILE_LIMIT, storeContentSync, storeFileFromPath, type ContentMeta } from './repo-content.js';
import { repoTmpPath, writeMetadataObjectSync, type WriteTxn } from './repo-objects.js';
import { writeAllSync } from './write-all.js';
import type { Repo } from './repo.js';
import type { Xattr } from './xattrs.js';

export interface TarImportOptions {
  /** `--tar-autocreate-parents`. */
  autocreateParents?: boolean;
  /** Maps an entry's owner and mode (commit's `--owner-uid/gid`, `--canonical-permissions`). */
  owner: (st: { uid: number; gid: number }) => { uid: number; gid: number };
  mode: (mode: number) => number;
  readXattrs: boolean;
  signal?: AbortSignal;
}

/** Splits an archive path into validated components; [] is the root. */
function components(name: string): string[] {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  for (const p of parts) {
    const problem = filenameProblem(p);
    if (problem) throw new CorruptError(`tar entry ${JSON.stringify(name.slice(0, 200))}: ${problem}`, { data: { entry: name } });
  }
  return parts;
}

function paxXattrs(pax: Record<string, string> | null | undefined): Xattr[] {
  if (!pax) return [];
  const out: Xattr[] = [];
  for (const [k, v] of Object.entries(pax)) {
    if (k.startsWith('SCHILY.xattr.')) out.push({ name: k.slice('SCHILY.xattr.'.length), value: Buffer.from(v, 'utf8') });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Opens the archive, transparently gunzipping it (magic 1f 8b). */
function openArchive(path: string): Readable {
  let head: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      head = Buffer.alloc(6);
      readSync(fd, head, 0, 6, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw fromSystemError(error, `opening ${path}`);
  }
  const file: ReadStream = createReadStream(path);
  if (head[0] === 0x1f && head[1] === 0x8b) return file.pipe(createGunzip());
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) || (head[0] === 0x28 && head[1] === 0xb5) || (head[0] === 0x42 && head[1] === 0x5a)) {
    file.destroy();
    throw new UnsupportedError(`${path}: only plain and gzip-compressed tar archives are supported`);
  }
  return file;
}

/** Imports the archive at `path` into `root` (overlaying what is there, like every --tree). */
export async function importTar(repo: Repo, txn: WriteTxn, root: MutableTree, path: string, opts: TarImportOptions): Promise<void> {
  const dirmeta = (uid: number, gid: number, mode: number, xattrs: Xattr[]): string =>
    writeMetadataObjectSync(repo, 'dirmeta', serializeDirMeta({ uid, gid, mode, xattrs }), { txn });
  const fileChecksums = new Map<string, string>();

  /** The directory node for `parts`, creating missing ones when allowed. */
  const parentOf = async (parts: string[], owner: { uid: number; gid: number }, entry: string): Promise<MutableTree> => {
    let node = root;
    let created = false;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      await node.ensureLoaded(repo);
      let next = node.dirs.get(name);
      if (!next) {
        if (!opts.autocreateParents) throw new NotFoundError(`No such file or directory: ${parts.slice(0, i + 1).join('/')}`, { data: { entry } });
        next = await node.ensureDir(repo, name);
        next.metaChecksum = dirmeta(owner.uid, owner.gid, S_IFDIR | 0o755, []);
        created = true;
      }
      node = next;
    }
    if (created) {
      root.metaChecksum = dirmeta(owner.uid, owner.gid, S_IFDIR | 0o755, []);
      root.touch();
    }
    return node;
  };

  const extract = tarStream.extract();
  const input = openArchive(path);
  input.on('error', (e) => extract.destroy(e));
  input.pipe(extract);
  try {
    for await (const entry of extract) {
      throwIfAborted(opts.signal);
      const h = entry.header;
      const parts = components(h.name);
      const own = opts.owner({ uid: h.uid ?? 0, gid: h.gid ?? 0 });
      const xattrs = opts.readXattrs ? paxXattrs((h as { pax?: Record<string, string> | null }).pax) : [];
      const perm = (h.mode ?? 0) & 0o7777;
      if (h.type === 'directory') {
        entry.resume();
        const meta = dirmeta(own.uid, own.gid, opts.mode(S_IFDIR | perm), xattrs);
        if (parts.length === 0) {
          root.metaChecksum = meta;
          root.touch();
          continue;
        }
        const parent = await parentOf(parts.slice(0, -1), own, h.name);
        const node = await parent.ensureDir(repo, parts.at(-1)!);
        node.metaChecksum = meta;
        node.touch();
        continue;
      }
      if (parts.length === 0) throw new CorruptError(`tar entry ${JSON.stringify(h.name)} replaces the root directory`, { data: { entry: h.name } });
      const key = parts.join('/');
      let checksum: string;
      if (h.type === 'link') {
        entry.resume();
        const target = components(h.linkname ?? '').join('/');
        const c = fileChecksums.get(target);
        if (c === undefined) throw new NotFoundError(`hardlink ${key} to unknown entry ${target}`, { data: { entry: h.name } });
        checksum = c;
      } else if (h.type === 'symlink') {
        entry.resume();
        const meta: ContentMeta = { ...own, mode: S_IFLNK | 0o777, symlinkTarget: h.linkname ?? '', xattrs };
        if (meta.symlinkTarget === '') throw new CorruptError(`symlink ${key} has an empty target`, { data: { entry: h.name } });
        checksum = storeContentSync(repo, meta, undefined, txn);
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        const meta: ContentMeta = { ...own, mode: opts.mode(S_IFREG | perm), symlinkTarget: '', xattrs };
        const size = h.size ?? 0;
        if (size < SMALL_FILE_LIMIT) {
          const bytes = await collect(entry);
          if (bytes.length !== size) throw new CorruptError(`tar entry ${key} is truncated`, { data: { entry: h.name } });
          checksum = storeContentSync(repo, meta, bytes, txn);
        } else {
          // Large: spool to a temp file in the repository (bounded memory), then store it like a file on disk.
          checksum = await spoolAndStore(repo, txn, entry, meta, size);
        }
      } else {
        entry.resume();
        throw new UnsupportedError(`Unsupported tar entry type ${h.type} for ${key} (only files, symlinks, hardlinks and directories)`, {
          data: { entry: h.name },
        });
      }
      const parent = await parentOf(parts.slice(0, -1), own, h.name);
      await parent.putFile(repo, parts.at(-1)!, checksum);
      fileChecksums.set(key, checksum);
    }
  } catch (error) {
    input.destroy();
    if (isTsostreeError(error)) throw error;
    throw new CorruptError(`invalid tar archive ${path}: ${(error as Error).message}`, { cause: error, data: { path } });
  }
}

async function spoolAndStore(repo: Repo, txn: WriteTxn, entry: Readable, meta: ContentMeta, size: number): Promise<string> {
  const tmp = repoTmpPath(repo, 'tar');
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    for await (const c of entry) writeAllSync(fd, c as Buffer);
  } finally {
    closeSync(fd);
  }
  try {
    return await storeFileFromPath(repo, tmp, meta, size, txn);
  } finally {
    rmSync(tmp, { force: true });
  }
}
