// Path handling inside a tree being post-processed. Every path is relative to the tree root; components
// are validated (no `..`, no NUL, no empty names after normalisation); directories on the way are walked
// with lstat and a symlink is followed only when its target is relative and stays inside the tree (an
// absolute target, or one that climbs above the root, is an InvalidArgumentError: following it would
// read or write the build host). The last component is never followed for writes and removals: it is
// replaced or removed itself. So nothing is ever read or written outside the root.
import { lstat, mkdir, readlink, rename, rm, symlink, unlink, writeFile, chmod } from './fs-direct.js';
import { join } from 'node:path';
import { InvalidArgumentError, fromSystemError } from '@tsostree/errors';

const MAX_SYMLINKS = 40;

/** Splits a tree path (`/etc/foo`, `etc/foo`) into validated components. */
export function treePathComponents(path: string, what = 'path'): string[] {
  if (path.includes('\0')) throw new InvalidArgumentError(`invalid NUL in ${what}: ${JSON.stringify(path)}`, { data: { path } });
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  for (const p of parts) {
    if (p === '..') throw new InvalidArgumentError(`invalid '..' in ${what}: ${path}`, { data: { path } });
  }
  return parts;
}

function outside(path: string, link: string, target: string): never {
  throw new InvalidArgumentError(`${path}: symlink /${link} -> ${target} points outside the tree`, {
    data: { path, symlink: `/${link}`, target },
  });
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fromSystemError(err, `lstat ${path}`);
  }
}

/**
 * Resolves the directory components of `parts` inside `root` (following only in-tree relative symlinks)
 * and returns the resolved components. With `create`, missing directories are made (mode 0755).
 * Returns undefined when a directory is missing and `create` is false.
 */
export async function resolveDirInTree(
  root: string,
  parts: readonly string[],
  options: { create?: boolean; path?: string; allowFinalFile?: boolean } = {},
): Promise<string[] | undefined> {
  const shown = options.path ?? `/${parts.join('/')}`;
  const resolved: string[] = [];
  const queue = [...parts];
  let links = 0;
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name === '..') {
      if (resolved.length === 0) outside(shown, name, '..');
      resolved.pop();
      continue;
    }
    const here = join(root, ...resolved, name);
    const st = await lstatOrUndefined(here);
    if (!st) {
      if (!options.create) return undefined;
      await mkdir(here, { mode: 0o755 }).catch((err: unknown) => {
        throw fromSystemError(err, `mkdir ${here}`);
      });
      resolved.push(name);
      continue;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) throw new InvalidArgumentError(`${shown}: too many levels of symbolic links`, { data: { path: shown } });
      const target = await readlink(here);
      const linkPath = [...resolved, name].join('/');
      if (target.startsWith('/')) outside(shown, linkPath, target);
      const targetParts = target.split('/').filter((p) => p !== '' && p !== '.');
      // check the climb against the directory holding the link
      let depth = resolved.length;
      for (const p of targetParts) {
        depth += p === '..' ? -1 : 1;
        if (depth < 0) outside(shown, linkPath, target);
      }
      queue.unshift(...targetParts);
      continue;
    }
    if (!st.isDirectory() && !(options.allowFinalFile && queue.length === 0)) {
      throw new InvalidArgumentError(`${shown}: /${[...resolved, name].join('/')} is not a directory`, { data: { path: shown } });
    }
    resolved.push(name);
  }
  return resolved;
}

/** Host path of the parent directory of a tree path, plus the last component's name. */
export async function parentInTree(
  root: string,
  path: string,
  options: { create?: boolean; what?: string } = {},
): Promise<{ dir: string; name: string } | undefined> {
  const parts = treePathComponents(path, options.what);
  if (parts.length === 0) throw new InvalidArgumentError(`invalid ${options.what ?? 'path'}: ${JSON.stringify(path)} names the root`, { data: { path } });
  const dirParts = await resolveDirInTree(root, parts.slice(0, -1), { create: options.create, path });
  if (!dirParts) return undefined;
  return { dir: join(root, ...dirParts), name: parts[parts.length - 1]! };
}

/** Host path of a tree path whose every component is resolved in the tree (the last one too). */
export async function resolveInTree(root: string, path: string): Promise<string | undefined> {
  const parts = await resolveDirInTree(root, treePathComponents(path), { path, allowFinalFile: true });
  return parts ? join(root, ...parts) : undefined;
}

/** Writes a regular file at a tree path: temp file + rename, so an existing symlink is replaced, never followed. */
export async function writeFileInTree(root: string, path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const loc = await parentInTree(root, path, { create: true });
  const dest = join(loc!.dir, loc!.name);
  const st = await lstatOrUndefined(dest);
  if (st?.isDirectory()) throw new InvalidArgumentError(`${path} is a directory`, { data: { path } });
  const tmp = join(loc!.dir, `.${loc!.name}.tsostree-tmp`);
  await rm(tmp, { force: true });
  await writeFile(tmp, data, { mode, flag: 'wx' });
  await chmod(tmp, mode);
  await rename(tmp, dest);
}

/** Creates (or replaces a non-directory with) a symlink at a tree path. */
export async function symlinkInTree(root: string, path: string, target: string): Promise<void> {
  const loc = await parentInTree(root, path, { create: true });
  const dest = join(loc!.dir, loc!.name);
  const st = await lstatOrUndefined(dest);
  if (st?.isDirectory()) await rm(dest, { recursive: true });
  else if (st) await unlink(dest);
  await symlink(target, dest);
}

/** Removes a tree path recursively (the entry itself; a symlink is removed, not followed). */
export async function removeInTree(root: string, path: string): Promise<boolean> {
  const loc = await parentInTree(root, path);
  if (!loc) return false;
  const dest = join(loc.dir, loc.name);
  if (!(await lstatOrUndefined(dest))) return false;
  await rm(dest, { recursive: true, force: true });
  return true;
}

export { lstatOrUndefined };
