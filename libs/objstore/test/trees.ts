import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeXattrs } from '../src/xattrs.js';
import { ostree } from './tmp.js';

/** Deterministic pseudo-random bytes. */
export function bytes(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/**
 * A small tree exercising every case ostree records: regular files of several sizes (one above
 * the streaming threshold), empty file, modes 0600/0755/0644/04755, symlinks (relative, absolute,
 * dangling), empty and nested directories, a 0700 directory, non-ASCII names, a user xattr.
 */
export async function makeSampleTree(root: string, options: { xattrs?: boolean; suid?: boolean } = {}): Promise<void> {
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await mkdir(join(root, 'usr/lib/empty'), { recursive: true });
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'private'), { recursive: true });
  await writeFile(join(root, 'usr/bin/tool'), bytes(5000, 1));
  await chmod(join(root, 'usr/bin/tool'), 0o755);
  if (options.suid) {
    await writeFile(join(root, 'usr/bin/su'), bytes(100, 9));
    await chmod(join(root, 'usr/bin/su'), 0o4755);
  }
  await writeFile(join(root, 'usr/lib/big.bin'), bytes(3 * 1024 * 1024 + 17, 2));
  await writeFile(join(root, 'usr/lib/empty-file'), '');
  await writeFile(join(root, 'etc/secret'), 'secret\n');
  await chmod(join(root, 'etc/secret'), 0o600);
  await writeFile(join(root, 'etc/héllo wörld.conf'), 'unicode name\n');
  await writeFile(join(root, 'etc/dup1'), 'same content\n');
  await writeFile(join(root, 'etc/dup2'), 'same content\n');
  await symlink('../usr/bin/tool', join(root, 'etc/link'));
  await symlink('/usr/share/zoneinfo/UTC', join(root, 'etc/localtime'));
  await symlink('does-not-exist', join(root, 'etc/dangling'));
  await chmod(join(root, 'private'), 0o700);
  await writeFile(join(root, 'private/x'), 'x');
  if (options.xattrs) nodeXattrs.set(join(root, 'etc/dup1'), 'user.test', Buffer.from('value\0with nul'));
}

/**
 * {@link makeSampleTree} under `dir/tree`, committed as `main` by the real `ostree` into a new bare-user repository
 * at `dir/repo`; returns the repository's path.
 */
export async function ostreeBareUserSample(dir: string, options: { suid?: boolean } = {}): Promise<string> {
  const tree = join(dir, 'tree');
  await makeSampleTree(tree, options);
  const r = join(dir, 'repo');
  ostree(['init', `--repo=${r}`, '--mode=bare-user']);
  ostree(['commit', `--repo=${r}`, '-b', 'main', tree]);
  return r;
}
