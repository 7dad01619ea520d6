import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from './repo-lock.js';
import type { Repo } from './repo.js';

/**
 * Removing what dead writers left in a repository's `tmp/`, the way ostree's transaction cleanup does,
 * plus our own pid-named entries as soon as their process is gone.
 *
 * One readdir of `tmp/`, then per entry:
 * - `cache` is kept (ostree creates it at open and never removes it).
 * - Our own entries, `<tag>-<pid>-…` ({@link OWN_TMP_TAGS}, see `repoTmpPath`): kept while that process lives
 *   (this one included), whatever their age; removed at once when it is gone. No stat is needed for them, so a
 *   tmp/ full of a running pull's files costs one `kill(pid, 0)` per distinct pid.
 * - ostree's transaction staging directories `staging-<boot-id>-XXXXXX` (a directory with a `-lock` sibling file
 *   that a live transaction holds an OFD lock on): one of the current boot is kept (ostree reuses it for its
 *   next transaction and never expires it); one of an earlier boot is removed with its lock file unless that
 *   lock is held (checked in `/proc/locks`, as taking the lock is not possible from Node).
 * - Everything else — other tools' files, ostree's lock files, symlinks — is removed once its own mtime (lstat,
 *   a symlink is never followed) is more than `core.tmp-expiry-secs` (default 86400) whole seconds in the past;
 *   mtimes in the future are kept. A directory goes as a whole tree. An expired lock file that is held is kept.
 *
 * Nothing outside `tmp/` is touched: entries are names read from `tmp/` itself, removal never follows a
 * symlink (`rm` unlinks the link), an entry with a mount point at or under it (a leaked bind mount, per
 * `/proc/self/mountinfo`) is left alone, and a missing or unreadable `tmp/` is simply nothing to do. Removal is best
 * effort: an entry that cannot be removed (or that another cleanup removed first) is skipped, never an error —
 * the write that called this must not fail because of someone else's leftovers.
 *
 * Differences from ostree (2022.7): ostree runs this at the end of each transaction (commit or abort), we run it
 * at the start of ours (commit, pull, offline delta apply) and in prune; ostree expires any entry by age, we
 * never remove an entry whose owning pid (our naming) is alive; ostree parses the expiry with `strtoull`
 * (garbage is 0), we fall back to the default for a value that is not an integer, and a negative value turns
 * expiry off.
 */

/**
 * The tags our temp names start with: `<tag>-<pid>-…` in `tmp/` (commit objects, pulls, fetches, tar imports, and
 * the work directories of composes, which hold a whole root filesystem).
 */
export const OWN_TMP_TAGS = ['obj', 'pull', 'fetch', 'tar', 'compose'] as const;
export type OwnTmpTag = (typeof OWN_TMP_TAGS)[number];

const OWN_NAME = new RegExp(`^(?:${OWN_TMP_TAGS.join('|')})-(\\d+)-`);
const STAGING_PREFIX = 'staging-';
const LOCK_SUFFIX = '-lock';
/** ostree's default `core.tmp-expiry-secs`: one day. */
export const DEFAULT_TMP_EXPIRY_SECS = 86_400;

export interface TmpCleanupResult {
  /** Names (in `tmp/`) of the entries removed. */
  removed: string[];
}

/**
 * `core.tmp-expiry-secs`: how old (mtime, whole seconds) an entry of `tmp/` that is not ours must be before a
 * cleanup removes it. A negative value disables expiry by age; a missing or non-integer one is the default.
 */
export function tmpExpirySecs(repo: Repo): number {
  const raw = repo.config.getString('core', 'tmp-expiry-secs')?.trim();
  if (raw === undefined || !/^[-+]?\d+$/.test(raw)) return DEFAULT_TMP_EXPIRY_SECS;
  const n = Number.parseInt(raw, 10);
  return n < 0 ? Number.POSITIVE_INFINITY : n;
}

/** Removes stale entries of the repository's `tmp/` (see the module comment for the rules). */
export async function cleanupRepoTmp(repo: Repo): Promise<TmpCleanupResult> {
  const removed: string[] = [];
  const dir = repo.tmpDir;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return { removed };
  }
  const expiry = tmpExpirySecs(repo);
  const now = Math.floor(Date.now() / 1000);
  const alive = new Map<number, boolean>();
  const isAlive = (pid: number): boolean => {
    let a = alive.get(pid);
    if (a === undefined) alive.set(pid, (a = processAlive(pid)));
    return a;
  };
  const locks = lazyLockedInodes();
  const mounts = lazyMountPoints(dir);
  const currentStaging = currentBootStagingPrefix();

  const remove = async (name: string): Promise<boolean> => {
    if (mounts.under(name)) return false;
    try {
      await rm(join(dir, name), { recursive: true, force: true });
      removed.push(name);
      return true;
    } catch {
      return false;
    }
  };

  for (const name of names) {
    if (name === 'cache') continue;
    const own = OWN_NAME.exec(name);
    if (own) {
      const pid = Number(own[1]);
      if (pid > 0 && Number.isSafeInteger(pid) && !isAlive(pid)) await remove(name);
      continue;
    }
    const st = lstatOrUndefined(join(dir, name));
    if (!st) continue;
    if (name.startsWith(STAGING_PREFIX) && st.isDirectory()) {
      // Current boot (or boot unknown): possibly live, and reused by ostree's next transaction.
      if (currentStaging === undefined || name.startsWith(currentStaging)) continue;
      const lock = name + LOCK_SUFFIX;
      const lockSt = lstatOrUndefined(join(dir, lock));
      if (lockSt && locks.held(lockSt.ino)) continue;
      if ((await remove(name)) && lockSt && !locks.held(lockSt.ino)) await remove(lock);
      continue;
    }
    // Whole seconds, strictly older than the expiry; an mtime in the future has a negative age.
    if (now - Math.floor(st.mtimeMs / 1000) <= expiry) continue;
    if (name.startsWith(STAGING_PREFIX) && name.endsWith(LOCK_SUFFIX) && locks.held(st.ino)) continue;
    await remove(name);
  }
  return { removed };
}

function lstatOrUndefined(path: string): import('node:fs').Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/**
 * Whether a mount point lies at or under `tmp/<name>` (removing it recursively would delete another
 * filesystem's files), from `/proc/self/mountinfo`, read once and only when first asked. Unreadable: no.
 */
function lazyMountPoints(tmpDir: string): { under(name: string): boolean } {
  let points: string[] | undefined;
  let base = tmpDir;
  return {
    under(name: string): boolean {
      if (points === undefined) {
        points = [];
        try {
          base = realpathSync(tmpDir);
          for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
            // "66 46 254:0 /src /mount/point rw,relatime - ext4 /dev/vda rw": the fifth field, octal escapes.
            const field = line.split(' ')[4];
            const point = field?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
            if (point?.startsWith(`${base}/`)) points.push(point);
          }
        } catch {
          // No mountinfo (not Linux, or /proc not mounted): nothing known to avoid.
        }
      }
      const p = `${base}/${name}`;
      return points.some((m) => m === p || m.startsWith(`${p}/`));
    },
  };
}

let bootId: string | null | undefined;

/** `staging-<boot-id>-`, the prefix of ostree's staging directories of this boot; undefined when unknown. */
function currentBootStagingPrefix(): string | undefined {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootId = null;
    }
  }
  return bootId === null ? undefined : `${STAGING_PREFIX}${bootId}-`;
}

/**
 * Inode numbers with a lock (flock, POSIX or OFD) held by any process, from `/proc/locks`, read once and only
 * when first asked. Devices are not compared (a false match only keeps an entry). Unreadable: everything is
 * taken as locked.
 */
function lazyLockedInodes(): { held(ino: number): boolean } {
  let inodes: Set<number> | null | undefined;
  return {
    held(ino: number): boolean {
      if (inodes === undefined) {
        try {
          inodes = new Set();
          for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
            // "1: OFDLCK ADVISORY  WRITE -1 fe:00:4246959 0 EOF" (a "->" marks a blocked waiter)
            const m = /\s([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
            if (m) inodes.add(Number(m[3]));
          }
        } catch {
          inodes = null;
        }
      }
      return inodes === null || inodes.has(ino);
    },
  };
}
