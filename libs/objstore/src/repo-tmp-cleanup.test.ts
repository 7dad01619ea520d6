import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { lutimes, mkdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitDirectory } from './repo-commit.js';
import { pruneRepo } from './repo-prune.js';
import { pullLocal } from './pull/repo-pull.js';
import { cleanupRepoTmp, tmpExpirySecs, DEFAULT_TMP_EXPIRY_SECS } from './repo-tmp-cleanup.js';
import { Repo } from './repo.js';
import { ostree, tempDir } from '../test/tmp.js';

const DAY = 86_400;
const BOOT_ID = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const OTHER_BOOT = '00000000-1111-2222-3333-444444444444';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A pid that just exited. */
function deadPid(): number {
  const r = spawnSync('true');
  expect(r.status).toBe(0);
  return r.pid!;
}

/** A running child (killed after the test), and a way to wait for its end. */
function sleeper(): { pid: number; stop(): Promise<void> } {
  const c = spawn('sleep', ['600'], { stdio: 'ignore' });
  children.push(c);
  return {
    pid: c.pid!,
    stop: () =>
      new Promise<void>((r) => {
        c.once('exit', () => r());
        c.kill('SIGKILL');
      }),
  };
}

/**
 * Holds an OFD write lock (like ostree's GLnxLockFile) on each path until the test ends: Node has no
 * fcntl, so a python child takes them.
 */
async function holdLocks(paths: string[]): Promise<void> {
  const script = [
    'import fcntl, os, struct, sys',
    'fds = []',
    'for p in sys.argv[1:]:',
    '    fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o600)',
    '    fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0))',
    '    fds.append(fd)',
    'print("locked", flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const c = spawn('/usr/bin/python3', ['-c', script, ...paths], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(c);
  await new Promise<void>((resolve, reject) => {
    c.stdout!.once('data', () => resolve());
    c.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
}

/** Sets an entry's mtime `secondsAgo` in the past (negative: in the future); a symlink itself, not its target. */
async function age(path: string, secondsAgo: number, link = false): Promise<void> {
  const t = Date.now() / 1000 - secondsAgo;
  await (link ? lutimes(path, t, t) : utimes(path, t, t));
}

async function newRepo(dir: string, config?: string): Promise<Repo> {
  const repo = await Repo.init(join(dir, 'repo'), { mode: 'bare-user' });
  if (config === undefined) return repo;
  repo.config.setString('core', 'tmp-expiry-secs', config);
  await repo.writeConfig();
  return Repo.open(repo.path);
}

const listTmp = (repo: Repo): string[] => readdirSync(repo.tmpDir).sort();

describe('cleanupRepoTmp: our pid-named entries', () => {
  it('removes entries of a dead pid at once, files and directories, whatever their age', async () => {
    const repo = await newRepo(await tempDir());
    const pid = deadPid();
    await writeFile(join(repo.tmpDir, `obj-${pid}-1-a`), 'x');
    await writeFile(join(repo.tmpDir, `fetch-${pid}-1-b`), 'x');
    await writeFile(join(repo.tmpDir, `tar-${pid}-1-c`), 'x');
    await mkdir(join(repo.tmpDir, `pull-${pid}-delta-XyZ123/sub`), { recursive: true });
    await writeFile(join(repo.tmpDir, `pull-${pid}-delta-XyZ123/sub/0`), 'x');
    await mkdir(join(repo.tmpDir, `compose-${pid}-0a1b/rootfs/usr`), { recursive: true });
    const r = await cleanupRepoTmp(repo);
    expect(r.removed.sort()).toEqual([`compose-${pid}-0a1b`, `fetch-${pid}-1-b`, `obj-${pid}-1-a`, `pull-${pid}-delta-XyZ123`, `tar-${pid}-1-c`]);
    expect(listTmp(repo)).toEqual(['cache']);
  });

  it('keeps entries of live pids (this process, a sleeping child) even when older than the expiry, until the pid is gone', async () => {
    const repo = await newRepo(await tempDir());
    const child = sleeper();
    const mine = `obj-${process.pid}-1-a`;
    const theirs = `pull-${child.pid}-2-b`;
    const theirDir = `pull-${child.pid}-delta-AbC`;
    for (const n of [mine, theirs]) {
      await writeFile(join(repo.tmpDir, n), 'x');
      await age(join(repo.tmpDir, n), 3 * DAY);
    }
    await mkdir(join(repo.tmpDir, theirDir));
    await age(join(repo.tmpDir, theirDir), 3 * DAY);
    expect((await cleanupRepoTmp(repo)).removed).toEqual([]);
    expect(listTmp(repo)).toEqual(['cache', mine, theirDir, theirs].sort());
    await child.stop();
    expect((await cleanupRepoTmp(repo)).removed.sort()).toEqual([theirDir, theirs].sort());
    expect(listTmp(repo)).toEqual(['cache', mine]);
  });

  it('leaves names that only look like ours (other tags, no pid) to the age rule', async () => {
    const repo = await newRepo(await tempDir());
    const pid = deadPid();
    const names = [`checkout-${pid}-1`, `obj-x${pid}-1`, `obj${pid}-1`, `Obj-${pid}-1`, `staging-${pid}-1`];
    for (const n of names) await writeFile(join(repo.tmpDir, n), 'x');
    expect((await cleanupRepoTmp(repo)).removed).toEqual([]);
    expect(listTmp(repo)).toEqual(['cache', ...names].sort());
  });
});

describe('cleanupRepoTmp: expiry by age (core.tmp-expiry-secs)', () => {
  it('removes other entries older than a day by default, directories recursively, and keeps younger or future ones and cache', async () => {
    const repo = await newRepo(await tempDir());
    expect(tmpExpirySecs(repo)).toBe(DEFAULT_TMP_EXPIRY_SECS);
    const tmp = repo.tmpDir;
    await writeFile(join(tmp, 'old-file'), 'x');
    await age(join(tmp, 'old-file'), DAY + 120);
    await mkdir(join(tmp, 'old-dir/a/b'), { recursive: true });
    await writeFile(join(tmp, 'old-dir/a/b/f'), 'x');
    await age(join(tmp, 'old-dir'), 2 * DAY);
    await writeFile(join(tmp, 'young-file'), 'x');
    await age(join(tmp, 'young-file'), DAY - 120);
    await writeFile(join(tmp, 'future-file'), 'x');
    await age(join(tmp, 'future-file'), -DAY);
    await age(join(tmp, 'cache'), 3 * DAY);
    const r = await cleanupRepoTmp(repo);
    expect(r.removed.sort()).toEqual(['old-dir', 'old-file']);
    expect(listTmp(repo)).toEqual(['cache', 'future-file', 'young-file']);
  });

  it('honours core.tmp-expiry-secs from the repository config', async () => {
    const repo = await newRepo(await tempDir(), '100');
    expect(tmpExpirySecs(repo)).toBe(100);
    await writeFile(join(repo.tmpDir, 'a'), 'x');
    await age(join(repo.tmpDir, 'a'), 50);
    await writeFile(join(repo.tmpDir, 'b'), 'x');
    await age(join(repo.tmpDir, 'b'), 150);
    expect((await cleanupRepoTmp(repo)).removed).toEqual(['b']);
    expect(listTmp(repo)).toEqual(['a', 'cache']);
  });

  it('a negative expiry turns the age rule off; a value that is not an integer is the default', async () => {
    const off = await newRepo(await tempDir(), '-1');
    expect(tmpExpirySecs(off)).toBe(Number.POSITIVE_INFINITY);
    await writeFile(join(off.tmpDir, 'a'), 'x');
    await age(join(off.tmpDir, 'a'), 30 * DAY);
    expect((await cleanupRepoTmp(off)).removed).toEqual([]);
    expect(tmpExpirySecs(await newRepo(await tempDir(), 'soon'))).toBe(DEFAULT_TMP_EXPIRY_SECS);
    expect(tmpExpirySecs(await newRepo(await tempDir(), ' 0 '))).toBe(0);
  });
});

describe('cleanupRepoTmp: never outside tmp/', () => {
  it('removes an expired symlink pointing outside the repository as a link, leaving its target alone', async () => {
    const dir = await tempDir();
    const repo = await newRepo(dir);
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'precious'), 'keep me');
    await symlink(outside, join(repo.tmpDir, 'link-to-dir'));
    await age(join(repo.tmpDir, 'link-to-dir'), 2 * DAY, true);
    await symlink(join(outside, 'precious'), join(repo.tmpDir, 'link-to-file'));
    await age(join(repo.tmpDir, 'link-to-file'), 2 * DAY, true);
    // A dead pid's "directory" that is really a symlink to the outside, and an expired directory holding one.
    await symlink(outside, join(repo.tmpDir, `pull-${deadPid()}-delta-Lnk`));
    await mkdir(join(repo.tmpDir, 'old-dir'));
    await symlink(outside, join(repo.tmpDir, 'old-dir/inner-link'));
    await age(join(repo.tmpDir, 'old-dir'), 2 * DAY);
    // The symlink's target is recent: only the link's own mtime counts.
    const young = join(repo.tmpDir, 'young-link-to-old');
    await writeFile(join(outside, 'old-target'), 'x');
    await age(join(outside, 'old-target'), 5 * DAY);
    await symlink(join(outside, 'old-target'), young);
    const r = await cleanupRepoTmp(repo);
    expect(r.removed).toHaveLength(4);
    expect(listTmp(repo)).toEqual(['cache', 'young-link-to-old']);
    expect(readdirSync(outside).sort()).toEqual(['old-target', 'precious']);
    expect(await readFile(join(outside, 'precious'), 'utf8')).toBe('keep me');
  });

  it('leaves an entry alone when a mount point lies at or under it (a leaked bind mount of another tree)', async () => {
    const dir = await tempDir();
    const repo = await newRepo(dir);
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'precious'), 'keep me');
    const tmp = repo.tmpDir;
    const deadDir = `pull-${deadPid()}-delta-Mnt`;
    await mkdir(join(tmp, deadDir));
    await mkdir(join(tmp, 'old-dir/inner'), { recursive: true });
    await writeFile(join(tmp, 'old-dir/sibling'), 'x');
    await age(join(tmp, 'old-dir'), 2 * DAY);
    await mkdir(join(tmp, 'old-plain'));
    await age(join(tmp, 'old-plain'), 2 * DAY);
    // The mounts exist only in the child's private mount namespace, where the cleanup runs.
    const child = spawnSync(
      'unshare',
      [
        '-rm', 'sh', '-c', 'mount --bind "$1" "$2" && mount --bind "$1" "$3" && exec "$4" --conditions=@tsostree/source --import tsx "$5" "$6"', 'sh',
        outside, join(tmp, deadDir), join(tmp, 'old-dir/inner'), process.execPath, join(import.meta.dirname, '../test/tmp-cleanup-child.ts'), repo.path,
      ],
      { encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ removed: ['old-plain'] });
    // Untouched, not half removed: rm would stop at the busy mount point, after deleting what it reached first.
    expect(listTmp(repo)).toEqual(['cache', 'old-dir', deadDir].sort());
    expect(readdirSync(join(tmp, 'old-dir')).sort()).toEqual(['inner', 'sibling']);
    expect(readdirSync(outside)).toEqual(['precious']);
    // Without the mounts (gone with the child's namespace) both go.
    expect((await cleanupRepoTmp(repo)).removed.sort()).toEqual(['old-dir', deadDir].sort());
  });

  it('a missing tmp/, or a tmp/ that is not a directory, is nothing to do', async () => {
    const repo = await newRepo(await tempDir());
    await rm(repo.tmpDir, { recursive: true });
    expect(await cleanupRepoTmp(repo)).toEqual({ removed: [] });
    await writeFile(repo.tmpDir, 'not a directory');
    expect(await cleanupRepoTmp(repo)).toEqual({ removed: [] });
    expect(await readFile(repo.tmpDir, 'utf8')).toBe('not a directory');
  });
});

describe("cleanupRepoTmp: ostree's staging directories", () => {
  it("keeps this boot's staging directories and held locks; removes an earlier boot's unlocked one with its lock file", async () => {
    const repo = await newRepo(await tempDir());
    const tmp = repo.tmpDir;
    const current = `staging-${BOOT_ID}-aaaaaa`;
    const earlier = `staging-${OTHER_BOOT}-bbbbbb`;
    const held = `staging-${OTHER_BOOT}-cccccc`;
    for (const d of [current, earlier, held]) {
      await mkdir(join(tmp, d, 'ab'), { recursive: true });
      await writeFile(join(tmp, d, 'ab', 'cdef.file'), 'x');
      await writeFile(join(tmp, `${d}-lock`), '');
      await age(join(tmp, d), 3 * DAY);
    }
    // A lock file past the expiry whose lock is held stays; one nobody holds goes.
    const heldOldLock = `staging-${BOOT_ID}-dddddd-lock`;
    const staleOldLock = `staging-${BOOT_ID}-eeeeee-lock`;
    await writeFile(join(tmp, heldOldLock), '');
    await writeFile(join(tmp, staleOldLock), '');
    await holdLocks([join(tmp, `${held}-lock`), join(tmp, heldOldLock)]);
    for (const n of [heldOldLock, staleOldLock]) await age(join(tmp, n), 3 * DAY);
    const r = await cleanupRepoTmp(repo);
    expect(r.removed.sort()).toEqual([earlier, `${earlier}-lock`, staleOldLock].sort());
    expect(listTmp(repo)).toEqual(['cache', current, `${current}-lock`, held, `${held}-lock`, heldOldLock].sort());
  });
});

describe('cleanupRepoTmp vs real ostree', () => {
  it("removes exactly what ostree's own transaction cleanup removes from a tmp/ ostree populated; ostree fsck and commit still work", async () => {
    const dir = await tempDir();
    const tree = join(dir, 'tree');
    await mkdir(tree);
    await writeFile(join(tree, 'a'), 'a\n');
    const outside = join(dir, 'outside');
    await writeFile(outside, 'outside\n');
    const ours = join(dir, 'ours');
    ostree(['init', `--repo=${ours}`, '--mode=bare-user']);
    ostree(['commit', `--repo=${ours}`, '-b', 'main', `--tree=dir=${tree}`]);
    // ostree leaves its staging directory (this boot, unlocked) when a transaction fails before commit.
    const failed = spawnSync('ostree', ['commit', `--repo=${ours}`, '-b', 'main', `--tree=dir=${tree}`, '-s', 'two'], {
      env: { ...process.env, OSTREE_REPO_TEST_ERROR: 'pre-commit' },
      encoding: 'utf8',
    });
    expect(failed.status).not.toBe(0);
    const leftover = readdirSync(join(ours, 'tmp')).filter((n) => n.startsWith('staging-'));
    expect(leftover).toEqual([expect.stringMatching(new RegExp(`^staging-${BOOT_ID}-`))]);
    const tmp = join(ours, 'tmp');
    // An earlier boot's staging directories (one still locked), old and young files, directories and symlinks.
    for (const d of ['XXaaaa', 'XXbbbb']) {
      spawnSync('cp', ['-a', join(tmp, leftover[0]!), join(tmp, `staging-${OTHER_BOOT}-${d}`)]);
      await writeFile(join(tmp, `staging-${OTHER_BOOT}-${d}-lock`), '');
    }
    await writeFile(join(tmp, 'old-file'), 'x');
    await age(join(tmp, 'old-file'), 2 * DAY);
    await writeFile(join(tmp, 'young-file'), 'x');
    await mkdir(join(tmp, 'rpmostree-old-checkout/usr'), { recursive: true });
    await age(join(tmp, 'rpmostree-old-checkout'), 2 * DAY);
    await symlink(outside, join(tmp, 'old-link'));
    await age(join(tmp, 'old-link'), 2 * DAY, true);
    await symlink(outside, join(tmp, 'young-link'));
    await writeFile(join(tmp, 'future-file'), 'x');
    await age(join(tmp, 'future-file'), -DAY);
    await writeFile(join(tmp, `staging-${BOOT_ID}-ZZzzzz-lock`), '');
    await age(join(tmp, `staging-${BOOT_ID}-ZZzzzz-lock`), 2 * DAY);
    await age(join(tmp, 'cache'), 2 * DAY);

    const theirs = join(dir, 'theirs');
    spawnSync('cp', ['-a', ours, theirs]);
    await holdLocks([join(tmp, `staging-${OTHER_BOOT}-XXbbbb-lock`), join(theirs, 'tmp', `staging-${OTHER_BOOT}-XXbbbb-lock`)]);

    await cleanupRepoTmp(await Repo.open(ours));
    // ostree cleans tmp/ at the end of each transaction; its commit reuses and then deletes this boot's staging directory.
    ostree(['commit', `--repo=${theirs}`, '-b', 'main', `--tree=dir=${tree}`, '-s', 'theirs']);
    const after = (repo: string): string[] => readdirSync(join(repo, 'tmp')).filter((n) => n !== leftover[0]).sort();
    expect(after(ours)).toEqual(after(theirs));
    expect(after(ours)).toEqual(['cache', 'future-file', `staging-${OTHER_BOOT}-XXbbbb`, `staging-${OTHER_BOOT}-XXbbbb-lock`, 'young-file', 'young-link']);
    // This boot's staging directory is kept for ostree to reuse; the repository stays valid, and ostree commits into it.
    expect(existsSync(join(tmp, leftover[0]!))).toBe(true);
    expect(await readFile(outside, 'utf8')).toBe('outside\n');
    ostree(['fsck', `--repo=${ours}`]);
    ostree(['commit', `--repo=${ours}`, '-b', 'main', `--tree=dir=${tree}`, '-s', 'three']);
    expect(existsSync(join(tmp, leftover[0]!))).toBe(false);
    ostree(['fsck', `--repo=${ours}`]);
  });
});

describe('where the cleanup runs', () => {
  async function withDeadLeftovers(repo: Repo): Promise<string[]> {
    const pid = deadPid();
    const names = [`obj-${pid}-1-a`, `pull-${pid}-delta-Q`];
    await writeFile(join(repo.tmpDir, names[0]!), 'x');
    await mkdir(join(repo.tmpDir, names[1]!));
    return names;
  }

  it('a commit, a local pull and a prune each start by removing a dead writer’s leftovers', async () => {
    const dir = await tempDir();
    const tree = join(dir, 'tree');
    await mkdir(tree);
    await writeFile(join(tree, 'f'), 'f\n');
    const repo = await newRepo(dir);
    await withDeadLeftovers(repo);
    await commitDirectory(repo, tree, { branch: 'main' });
    expect(listTmp(repo)).toEqual(['cache']);

    const other = await Repo.init(join(dir, 'other'), { mode: 'archive' });
    await withDeadLeftovers(other);
    await pullLocal(other, repo.path, { refs: ['main'] });
    expect(listTmp(other)).toEqual(['cache']);

    await withDeadLeftovers(repo);
    await pruneRepo(repo, { refsOnly: true });
    expect(listTmp(repo)).toEqual(['cache']);
    ostree(['fsck', `--repo=${repo.path}`]);
    ostree(['fsck', `--repo=${other.path}`]);
  });
});
