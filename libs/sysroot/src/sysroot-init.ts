import { chmod, lstat, mkdir, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, fromSystemError } from '@tsostree/errors';
import { Repo } from '@tsostree/objstore';
import { assertStateroot } from './format/bootlink.js';

export interface InitFsOptions {
  /** `--modern`: only create `boot/` and `ostree/`. */
  modern?: boolean;
}

async function ensureDir(path: string, mode: number, exactMode = false): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode });
    // mkdir applies the umask, as ostree's mkdirat does; some directories need their exact mode.
    if (exactMode) await chmod(path, mode);
  } catch (error) {
    throw fromSystemError(error, `creating ${path}`);
  }
}

/**
 * `ostree admin init-fs`: the top-level directories of a physical root, and `ostree/repo`
 * (mode bare) plus `ostree/deploy`. Existing directories are kept.
 */
export async function initFs(root: string, options: InitFsOptions = {}): Promise<void> {
  await ensureDir(root, 0o755);
  const dirs: Array<[string, number, boolean]> = options.modern
    ? [['boot', 0o755, false]]
    : [
        ['boot', 0o755, false],
        ['dev', 0o755, false],
        ['home', 0o755, false],
        ['proc', 0o755, false],
        ['run', 0o755, false],
        ['sys', 0o755, false],
        ['root', 0o700, true],
        ['tmp', 0o1777, true],
      ];
  for (const [name, mode, exact] of dirs) {
    const path = join(root, name);
    const existed = await lstat(path).then(() => true, () => false);
    if (!existed) await ensureDir(path, mode, exact);
  }
  await ensureSysrootInitialized(root);
}

/**
 * `ostree_sysroot_ensure_initialized`: `ostree/repo` (bare) and `ostree/deploy`. An existing repository keeps
 * its mode, as ostree's `ostree_repo_create` ignores the requested one (a sysroot whose repository was made
 * `bare-user-only` beforehand works without root).
 */
export async function ensureSysrootInitialized(root: string): Promise<void> {
  await ensureDir(join(root, 'ostree/repo'), 0o755);
  await ensureDir(join(root, 'ostree/deploy'), 0o755);
  const existing = await lstat(join(root, 'ostree/repo/config')).then(() => true, () => false);
  if (existing) await Repo.open(join(root, 'ostree/repo'));
  else await Repo.init(join(root, 'ostree/repo'), { mode: 'bare' });
}

/** Touches `ostree/deploy` so readers notice the change (ostree's `_ostree_sysroot_bump_mtime`). */
export async function bumpDeployMtime(root: string): Promise<void> {
  const now = new Date();
  try {
    await utimes(join(root, 'ostree/deploy'), now, now);
  } catch (error) {
    throw fromSystemError(error, 'updating mtime of ostree/deploy');
  }
}

/**
 * `ostree admin os-init` / `stateroot-init`: `ostree/deploy/<name>/var` with ostree 2022.7's
 * legacy `/var` skeleton (`tmp` 1777, `lib`, `log`, `run -> ../run`, `lock -> ../run/lock`).
 * ConflictError when the stateroot exists.
 */
export async function initStateroot(root: string, name: string): Promise<void> {
  assertStateroot(name);
  await ensureSysrootInitialized(root);
  const dir = join(root, 'ostree/deploy', name);
  try {
    await mkdir(dir, { mode: 0o777 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ConflictError(`Creating ostree/deploy/${name}: File exists`, { data: { stateroot: name } });
    }
    throw fromSystemError(error, `creating ${dir}`);
  }
  const varDir = join(dir, 'var');
  try {
    await mkdir(varDir, { mode: 0o777 });
    await mkdir(join(varDir, 'tmp'), { mode: 0o777 });
    await chmod(join(varDir, 'tmp'), 0o1777);
    await mkdir(join(varDir, 'lib'), { mode: 0o777 });
    await mkdir(join(varDir, 'log'), { mode: 0o755 });
    await symlink('../run', join(varDir, 'run'));
    await symlink('../run/lock', join(varDir, 'lock'));
  } catch (error) {
    throw fromSystemError(error, `initializing ${varDir}`);
  }
  await bumpDeployMtime(root);
}
