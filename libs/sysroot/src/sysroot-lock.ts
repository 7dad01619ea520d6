import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, LockedError, fromSystemError } from '@tsostree/errors';

/**
 * The sysroot lock, interoperable with ostree: ostree takes `flock(LOCK_EX)` on `ostree/lock`
 * (libglnx's glnx_make_lock_file) and unlinks the file when it releases the lock.
 *
 * Node has no flock(2). Instead of a native addon (which would need a compiler at install
 * time), a small child process holds the lock for us: `sh` opens `ostree/lock` on fd 9, runs
 * util-linux `flock -x 9`, checks that the file it locked is still linked (the holder before it
 * may have unlinked it — then it retries, as libglnx does), reports `locked`, and then waits on
 * its stdin. The lock lives exactly as long as that child: when we release, we unlink the file
 * and close the pipe; when we die (even SIGKILL), the pipe closes, the child exits and the kernel
 * drops the lock — so a killed holder can never leave a stale lock behind.
 */
export interface SysrootLock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** Milliseconds to wait for another holder (default 30 s; 0 = fail at once with LockedError). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

// Runs in the child: $1 = lock file, $2 = 0 to fail at once, else wait. The open file stays on fd 9.
const SCRIPT = `
set -u
while :; do
  exec 9>>"$1" || exit 3
  if [ "$2" = 0 ]; then flock -x -n 9 || { echo busy; exit 4; }; else flock -x 9 || exit 5; fi
  links=$(stat -L -c %h /proc/self/fd/9) || exit 6
  if [ "$links" != 0 ]; then break; fi
  exec 9>&-
done
echo locked
exec cat >/dev/null
`;

export async function lockSysroot(root: string, opts: LockOptions = {}): Promise<SysrootLock> {
  const path = join(root, 'ostree/lock');
  try {
    await mkdir(join(root, 'ostree'), { recursive: true });
  } catch (error) {
    throw fromSystemError(error, `creating ${join(root, 'ostree')}`);
  }
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const child: ChildProcess = spawn('sh', ['-c', SCRIPT, 'tsostree-lock', path, timeoutMs === 0 ? '0' : '1'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const outcome = await new Promise<'locked' | 'busy' | 'timeout' | 'aborted' | { exit: number | null; error?: Error }>((resolve) => {
    let out = '';
    const timer = timeoutMs > 0 ? setTimeout(() => resolve('timeout'), timeoutMs) : undefined;
    const onAbort = (): void => resolve('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (v: Parameters<typeof resolve>[0]): void => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(v);
    };
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('locked\n')) done('locked');
      else if (out.includes('busy\n')) done('busy');
    });
    child.on('error', (error) => done({ exit: null, error }));
    child.on('exit', (exitCode) => done({ exit: exitCode }));
  });
  if (outcome === 'locked') {
    // The lock must not keep the event loop (and so the process) alive.
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        // Like libglnx: unlink while still holding the lock, then let go.
        await unlink(path).catch(() => undefined);
        await new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.ref();
          child.once('exit', () => resolve());
          child.stdin!.end();
        });
      },
    };
  }
  child.kill('SIGKILL');
  if (outcome === 'busy' || outcome === 'timeout') {
    throw new LockedError(`sysroot ${root} is locked by another process (ostree/lock)`, { data: { path } });
  }
  if (outcome === 'aborted') throw new AbortedError('waiting for the sysroot lock was aborted');
  throw fromSystemError(outcome.error ?? new Error(`lock helper exited with ${outcome.exit}: ${stderr.trim()}`), `locking ${path}`);
}

/** Runs `fn` holding the sysroot lock. */
export async function withSysrootLock<T>(root: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lock = await lockSysroot(root, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
