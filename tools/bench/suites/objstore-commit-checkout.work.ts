// Work functions run in a fresh process by `timeOurs` for the objstore commit/checkout benchmark,
// plus the OS-like tree generator.
import { randomBytes } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Repo, checkoutCommit, commitDirectory, type RepoMode } from '@tsostree/objstore';

/** Commits `tree` into the (already initialized) repository; returns the file count as units. */
export async function commitTree(repoPath: string, tree: string, files: number): Promise<{ units: number; checksum: string }> {
  const repo = await Repo.open(repoPath);
  const r = await commitDirectory(repo, tree, { branch: 'main', timestamp: 1577836800, subject: 'bench' });
  return { units: files, checksum: r.checksum };
}

/** Checks out `main` in user mode (`ostree checkout -U`). */
export async function checkoutTree(repoPath: string, dest: string, files: number): Promise<{ units: number }> {
  const repo = await Repo.open(repoPath);
  await checkoutCommit(repo, 'main', dest, { userMode: true });
  return { units: files };
}

export async function initRepo(path: string, mode: RepoMode): Promise<void> {
  await Repo.init(path, { mode });
}

/** Deterministic small PRNG. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** Generates the tree in this (child) process and writes its stats as JSON to `statsFile`. */
export async function generateTreeToFile(root: string, files: number, targetBytes: number, statsFile: string): Promise<{ units: number }> {
  const stats = await generateTree(root, { files, targetBytes });
  await writeFile(statsFile, JSON.stringify(stats));
  return { units: stats.files };
}

export interface TreeStats {
  files: number;
  symlinks: number;
  dirs: number;
  bytes: number;
}

/**
 * An OS-like tree: `usr/{bin,lib,lib64,share/...}` style nesting, mostly small files (text-like and
 * binary-like content, so compression does real work), some medium and a few large ones, and
 * symlinks. Every file's content is unique.
 */
export async function generateTree(root: string, options: { files: number; targetBytes: number; seed?: number }): Promise<TreeStats> {
  const rand = rng(options.seed ?? 42);
  const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua libfoo.so.1 /usr/lib64 GLIBC_2.34 __cxa_finalize'.split(' ');
  const POOL = 64 * 1024 * 1024;
  const pool = Buffer.allocUnsafe(POOL);
  // Half binary-like (random), half text-like (words), interleaved in 64 KiB blocks.
  for (let off = 0; off < POOL; off += 65536) {
    if ((off / 65536) % 2 === 0) randomBytes(65536).copy(pool, off);
    else {
      let s = '';
      while (s.length < 65536) s += `${words[Math.floor(rand() * words.length)]}${rand() < 0.1 ? '\n' : ' '}`;
      pool.write(s.slice(0, 65536), off, 'latin1');
    }
  }
  const stats: TreeStats = { files: 0, symlinks: 0, dirs: 0, bytes: 0 };
  const dirs: string[] = [];
  const tops = ['usr/bin', 'usr/lib', 'usr/lib64', 'usr/share/doc', 'usr/share/locale', 'usr/include', 'usr/libexec', 'etc', 'usr/share/man/man1'];
  for (const t of tops) {
    for (let i = 0; i < 120; i++) {
      const d = join(root, t, `pkg${i}`, i % 3 === 0 ? `sub${i % 7}` : '');
      dirs.push(d);
    }
  }
  for (const d of new Set(dirs)) await mkdir(d, { recursive: true });
  stats.dirs = new Set(dirs).size;
  const large = 24;
  const medium = Math.floor(options.files * 0.06);
  const small = options.files - large - medium;
  const sizes: number[] = [];
  for (let i = 0; i < large; i++) sizes.push(Math.floor((8 + rand() * 16) * 1024 * 1024));
  for (let i = 0; i < medium; i++) sizes.push(Math.floor(64 * 1024 + rand() * 400 * 1024));
  let used = sizes.reduce((a, b) => a + b, 0);
  const smallAvg = Math.max(512, Math.floor((options.targetBytes - used) / Math.max(1, small)));
  for (let i = 0; i < small; i++) sizes.push(Math.floor(smallAvg * (0.2 + rand() * 1.6)));
  used = sizes.reduce((a, b) => a + b, 0);
  let n = 0;
  const batch: Promise<void>[] = [];
  for (const size of sizes) {
    const d = dirs[n % dirs.length]!;
    const off = Math.floor(rand() * (POOL - size - 16));
    const content = Buffer.concat([Buffer.from(`${n.toString(16).padStart(16, '0')}`), pool.subarray(off, off + size)]);
    batch.push(writeFile(join(d, `file${n}.${n % 5 === 0 ? 'so' : 'txt'}`), content, { mode: n % 9 === 0 ? 0o755 : 0o644 }));
    if (batch.length >= 64) await Promise.all(batch.splice(0));
    stats.files++;
    stats.bytes += content.length;
    n++;
  }
  await Promise.all(batch);
  const links = Math.floor(options.files / 15);
  for (let i = 0; i < links; i++) {
    const d = dirs[(i * 7) % dirs.length]!;
    await symlink(i % 2 === 0 ? `file${i}.txt` : `/usr/lib/pkg${i % 100}/libx.so.${i}`, join(d, `link${i}`));
    stats.symlinks++;
  }
  return stats;
}
