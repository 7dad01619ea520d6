import { lstatSync, readdirSync } from 'node:fs';
import { fromSystemError } from '@tsostree/errors';
import { assertChecksum, type ObjectType } from '../format/object-path.js';
import { objectPath } from '../repo-objects.js';
import type { Repo } from '../repo.js';

/** Fan-out directories listed once this many lookups went to them (a lone lookup is one lstat). */
const LIST_AFTER_LOOKUPS = 2;
/**
 * A directory is listed only while its size (st_size, roughly proportional to its entries on
 * every Linux filesystem) stays under this many bytes per lookup made in it so far: a huge
 * repository walked for a small commit keeps one lstat per object.
 */
const DIR_BYTES_PER_LOOKUP = 4096;

interface FanoutDir {
  lookups: number;
  /** st_size of `objects/XX` (-1: missing, undefined: not looked at yet). */
  size?: number;
  /** File names in it, once listed. */
  names?: Set<string>;
}

/**
 * Answers "is this loose object in the repository?" for a walk that asks it thousands of times
 * (pull checking every object of a commit): once a fan-out directory `objects/XX` has had a few
 * lookups and is small enough, it is listed with one readdir and later lookups are set lookups;
 * otherwise one lstat per object, as before. A listing is a snapshot: objects that appear after
 * it (another writer, or this process's own flushes) read as missing — the caller then fetches or
 * writes them again, which is harmless — while an object that was listed stays present (the
 * caller holds the repository lock that keeps prune and fsck --delete out).
 */
export class LoosePresence {
  private readonly dirs = new Map<string, FanoutDir>();

  constructor(private readonly repo: Repo) {}

  has(type: ObjectType, checksum: string): boolean {
    assertChecksum(checksum);
    const prefix = checksum.slice(0, 2);
    let dir = this.dirs.get(prefix);
    if (!dir) {
      dir = { lookups: 0 };
      this.dirs.set(prefix, dir);
    }
    if (dir.names) return dir.names.has(this.fileName(type, checksum));
    dir.lookups++;
    if (dir.lookups >= LIST_AFTER_LOOKUPS) {
      const dirPath = this.repo.resolve('objects', prefix);
      if (dir.size === undefined) dir.size = statSize(dirPath);
      if (dir.size < 0) return false;
      if (dir.size <= dir.lookups * DIR_BYTES_PER_LOOKUP) {
        dir.names = listNames(dirPath);
        return dir.names.has(this.fileName(type, checksum));
      }
    }
    try {
      return lstatSync(objectPath(this.repo, checksum, type), { throwIfNoEntry: false }) !== undefined;
    } catch (error) {
      throw fromSystemError(error, `checking object ${checksum}.${type}`);
    }
  }

  private fileName(type: ObjectType, checksum: string): string {
    return `${checksum.slice(2)}.${type === 'file' && this.repo.isArchive ? 'filez' : type}`;
  }
}

function statSize(path: string): number {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.size ?? -1;
  } catch (error) {
    throw fromSystemError(error, `checking ${path}`);
  }
}

function listNames(path: string): Set<string> {
  try {
    return new Set(readdirSync(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw fromSystemError(error, `listing ${path}`);
  }
}
