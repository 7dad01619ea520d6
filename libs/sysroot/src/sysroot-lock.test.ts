import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitTree, ostree, scratch, writeTree } from '../test/ostree-cli.js';
import { spawnTs, waitForLine } from '../test/run-child.js';
import { Sysroot, lockSysroot } from './index.js';

const LOCK_CHILD = fileURLToPath(new URL('../test/lock-child.ts', import.meta.url));

describe('sysroot lock', () => {
  const work = scratch('lock');
  const root = join(work.path, 'sysroot');

  beforeAll(() => {
    mkdirSync(root);
    ostree(['admin', 'init-fs', root]);
    ostree(['admin', 'os-init', `--sysroot=${root}`, 'testos']);
    writeTree(join(work.path, 't'));
    commitTree(join(root, 'ostree/repo'), 'testos/stable', join(work.path, 't'), '1');
    ostree(['admin', 'deploy', `--sysroot=${root}`, '--os=testos', 'testos/stable']);
    ostree(['admin', 'deploy', `--sysroot=${root}`, '--os=testos', '--retain', 'testos/stable']);
  });
  afterAll(() => work.cleanup());

  it('makes real ostree wait while we hold it, and is released (file unlinked like libglnx)', async () => {
    const lock = await lockSysroot(root);
    let r;
    try {
      r = spawnSync('timeout', ['2', 'ostree', 'admin', 'undeploy', `--sysroot=${root}`, '1'], { encoding: 'utf8' });
    } finally {
      await lock.release();
    }
    expect(r.status).toBe(124);
    expect(r.stdout + r.stderr).toContain('Waiting for sysroot lock');
    expect(existsSync(join(root, 'ostree/lock'))).toBe(false);
    // Now ostree gets it at once.
    const r2 = spawnSync('timeout', ['20', 'ostree', 'admin', 'status', `--sysroot=${root}`], { encoding: 'utf8' });
    expect(r2.status).toBe(0);
  });

  it('waits for (or refuses, with a timeout) a holder using ostree’s kind of lock', async () => {
    // A fcntl record lock on ostree/lock, as libostree takes it.
    const holder = spawn('/usr/bin/python3', ['-c', "import fcntl,os,sys\nfd=os.open(sys.argv[1],os.O_RDWR|os.O_CREAT,0o600)\nfcntl.lockf(fd,fcntl.LOCK_EX)\nprint('held',flush=True)\nsys.stdin.read()", join(root, 'ostree/lock')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    await waitForLine(holder, 'held');
    await expect(lockSysroot(root, { timeoutMs: 0 })).rejects.toMatchObject({ code: 'Locked' });
    const started = Date.now();
    await expect(lockSysroot(root, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'Locked' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const s = await Sysroot.open(root, { lockTimeoutMs: 0 });
    await expect(s.setPinned(1, true)).rejects.toMatchObject({ code: 'Locked' });
    // Once the holder lets go, a waiting locker gets it.
    const waiting = lockSysroot(root, { timeoutMs: 10_000 });
    holder.stdin.end();
    const lock = await waiting;
    await lock.release();
  });

  it('a lock whose holder was killed (SIGKILL) is free at once, nothing stale left', async () => {
    const child = spawnTs(LOCK_CHILD, [root]);
    await waitForLine(child, 'held');
    await expect(lockSysroot(root, { timeoutMs: 0 })).rejects.toMatchObject({ code: 'Locked' });
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    // The helper notices its parent is gone; give it a moment, then the lock is ours.
    const lock = await lockSysroot(root, { timeoutMs: 5000 });
    await lock.release();
  });

  it('serializes two of our own lockers', async () => {
    const first = await lockSysroot(root);
    let secondGot = false;
    const second = lockSysroot(root, { timeoutMs: 10_000 }).then((l) => {
      secondGot = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(secondGot).toBe(false);
    await first.release();
    await (await second).release();
    expect(secondGot).toBe(true);
  });

  it('honours an abort signal while waiting', async () => {
    const first = await lockSysroot(root);
    const ac = new AbortController();
    const waiting = lockSysroot(root, { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await expect(waiting).rejects.toMatchObject({ code: 'Aborted' });
    await first.release();
  });
});
