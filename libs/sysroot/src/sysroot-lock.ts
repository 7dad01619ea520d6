import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, LockedError, fromSystemError } from '@tsostree/errors';

/**
 * The sysroot lock, interoperable with ostree. ostree (libglnx `glnx_make_lock_file`) takes an
 * exclusive **fcntl record lock** (an OFD lock, `F_OFD_SETLKW`) on `ostree/lock` — not flock(2):
 * measured with 2022.7, `ostree admin undeploy` ignores a `flock` held on that file but waits
 * ("Waiting for sysroot lock...") behind a POSIX `lockf` lock, because OFD and POSIX record
 * locks conflict with each other. It unlinks the file when it lets go, so a waiter must check
 * that the file it locked is still linked, and retry otherwise.
 *
 * Node has no fcntl locking. Instead of a native addon (a compiler at install time), a small
 * child process holds the lock for us: Python's `fcntl.lockf` (a POSIX record lock) on
 * `ostree/lock`, the nlink check, `locked` on stdout, then it blocks reading its stdin. The lock
 * lives exactly as long as that child: on release we unlink the file (like libglnx) and close
 * the pipe; if we die — even by SIGKILL — the pipe closes, the child exits and the kernel drops
 * the lock, so a killed holder never leaves a stale lock. Cost: one process start per lock
 * (≈ 20–30 ms), paid once per mutating command. Without python3 the helper falls back to
 * util-linux `flock` (excludes other tsostree processes, not a concurrent real ostree).
 */
export interface SysrootLock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** Milliseconds to wait for another holder (default 30 s; 0 = fail at once with LockedError). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

// argv: lock file, "0" to fail at once / "1" to wait.
const PY_SCRIPT = `
import fcntl, os, sys
path, wait = sys.argv[1], sys.argv[2] == '1'
while True:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOCTTY, 0o600)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print('busy', flush=True)
        sys.exit(4)
    if os.fstat(fd).st_nlink > 0:
        break
    os.close(fd)
print('locked', flush=True)
sys.stdin.buffer.read()
`;

// Fallback without python3: flock(2) on fd 9, same protocol.
const SH_SCRIPT = `
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

function spawnHelper(python: string, path: string, wait: boolean): ChildProcess {
  // -S -E: no site packages, no PYTHON* environment — a bare, fast interpreter.
  return spawn(python, ['-S', '-E', '-c', PY_SCRIPT, path, wait ? '1' : '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
}

async function spawned(child: ChildProcess): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
}

export async function lockSysroot(root: string, opts: LockOptions = {}): Promise<SysrootLock> {
  const path = join(root, 'ostree/lock');
  try {
    await mkdir(join(root, 'ostree'), { recursive: true });
  } catch (error) {
    throw fromSystemError(error, `creating ${join(root, 'ostree')}`);
  }
  const timeoutMs = opts.timeoutMs ?? 30_000;
  // The system interpreter first (a version manager's `python3` shim can take 300 ms to start).
  let child = spawnHelper('/usr/bin/python3', path, timeoutMs !== 0);
  let ok = await spawned(child);
  if (!ok) {
    child = spawnHelper('python3', path, timeoutMs !== 0);
    ok = await spawned(child);
  }
  if (!ok) {
    child = spawn('sh', ['-c', SH_SCRIPT, 'tsostree-lock', path, timeoutMs === 0 ? '0' : '1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  }
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
