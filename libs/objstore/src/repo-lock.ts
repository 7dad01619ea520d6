import { mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LockedError, fromSystemError } from '@tsostree/errors';

/**
 * The repository lock: many shared holders (commit, pull, checkout) or one exclusive holder
 * (prune, fsck --delete), like ostree's `.lock`. Node has no flock/OFD-lock API, so the lock is
 * kept as files under `<repo>/.tsostree-lock/` (one `shared-*` file per shared holder, one
 * `exclusive` file), each naming its process; holders whose process died are treated as gone.
 * The empty `<repo>/.lock` file is still created so real ostree finds the layout it expects.
 * Note: this does not interlock with a concurrent *real* ostree process.
 */
export type LockMode = 'shared' | 'exclusive';

export interface RepoLockOptions {
  /** How long to wait for a conflicting holder, in milliseconds (default 30 s; 0 = fail at once). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RepoLock {
  readonly mode: LockMode;
  release(): Promise<void>;
}

let counter = 0;

/** Whether process `pid` exists (this one included); EPERM means it exists under another user. */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function holderPid(path: string): Promise<number | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    const pid = Number.parseInt(text, 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Acquires the repository lock in `mode`; resolves to a handle whose `release()` drops it. */
export async function lockRepo(repoPath: string, mode: LockMode, options: RepoLockOptions = {}): Promise<RepoLock> {
  const dir = join(repoPath, '.tsostree-lock');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  try {
    await mkdir(dir, { recursive: true });
    await (await open(join(repoPath, '.lock'), 'a', 0o600)).close();
  } catch (error) {
    throw fromSystemError(error, `creating lock in ${repoPath}`);
  }
  const exclusivePath = join(dir, 'exclusive');
  const ownId = `${process.pid}-${Date.now()}-${counter++}`;

  const waitOrFail = async (what: string): Promise<void> => {
    options.signal?.throwIfAborted();
    if (Date.now() >= deadline) {
      throw new LockedError(`repository ${repoPath} is locked (${what})`, { data: { path: repoPath } });
    }
    await sleep(25);
  };

  /** Returns true if a live exclusive holder exists (stale ones are removed). */
  const exclusiveHeld = async (): Promise<boolean> => {
    const pid = await holderPid(exclusivePath);
    if (pid === undefined) {
      // Missing, or being written right now: re-check existence.
      try {
        await readFile(exclusivePath);
        return true;
      } catch {
        return false;
      }
    }
    if (processAlive(pid)) return true;
    await rm(exclusivePath, { force: true });
    return false;
  };

  if (mode === 'shared') {
    const mine = join(dir, `shared-${ownId}`);
    for (;;) {
      if (!(await exclusiveHeld())) {
        await writeFile(mine, `${process.pid}\n`);
        if (!(await exclusiveHeld())) break;
        await rm(mine, { force: true });
      }
      await waitOrFail('an exclusive holder is active');
    }
    return { mode, release: () => rm(mine, { force: true }) };
  }

  for (;;) {
    try {
      await writeFile(exclusivePath, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fromSystemError(error, 'taking exclusive repo lock');
    }
    if (await exclusiveHeld()) await waitOrFail('another exclusive holder is active');
  }
  try {
    for (;;) {
      let busy = false;
      for (const name of await readdir(dir)) {
        if (!name.startsWith('shared-')) continue;
        const p = join(dir, name);
        const pid = await holderPid(p);
        if (pid !== undefined && !processAlive(pid)) await rm(p, { force: true });
        else busy = true;
      }
      if (!busy) break;
      await waitOrFail('shared holders are active');
    }
  } catch (error) {
    await rm(exclusivePath, { force: true });
    throw error;
  }
  return { mode, release: () => rm(exclusivePath, { force: true }) };
}

/** Runs `fn` while holding the lock. */
export async function withRepoLock<T>(
  repoPath: string,
  mode: LockMode,
  fn: () => Promise<T>,
  options: RepoLockOptions = {},
): Promise<T> {
  const lock = await lockRepo(repoPath, mode, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
