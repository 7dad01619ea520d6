import { constants } from 'node:fs';
import { access, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConflictError, CorruptError, InvalidArgumentError, NotFoundError, UnsupportedError, fromSystemError, isTsostreeError } from '@tsostree/errors';
import { KeyFile } from './keyfile.js';
import { nodeXattrs, type XattrPort } from './xattrs.js';

/** Repository modes (ostree `OstreeRepoMode`); `archive` is written as `archive-z2` in the config. */
export type RepoMode = 'bare' | 'archive' | 'bare-user' | 'bare-user-only';

export const REPO_MODES: readonly RepoMode[] = ['archive', 'bare', 'bare-user', 'bare-user-only'];

/** Parses a mode as accepted by `ostree init --mode` and by the config's `core.mode`. */
export function parseRepoMode(text: string): RepoMode {
  switch (text) {
    case 'bare':
    case 'bare-user':
    case 'bare-user-only':
    case 'archive':
      return text;
    case 'archive-z2':
      return 'archive';
    case 'bare-split-xattrs':
      throw new UnsupportedError('repository mode bare-split-xattrs is not supported');
    default:
      throw new InvalidArgumentError(`invalid repository mode ${JSON.stringify(text)}`);
  }
}

/** The `core.mode` spelling of a mode. */
export function repoModeConfigName(mode: RepoMode): string {
  return mode === 'archive' ? 'archive-z2' : mode;
}

export interface RepoOpenOptions {
  /** Extended-attribute port (default: the native one). */
  xattrs?: XattrPort;
}

export interface RepoInitOptions extends RepoOpenOptions {
  mode?: RepoMode;
  /** `core.collection-id`. */
  collectionId?: string;
}

/** An open ostree repository on disk. */
export class Repo {
  private constructor(
    /** Absolute path of the repository. */
    readonly path: string,
    readonly mode: RepoMode,
    /** The parsed `config`; call `writeConfig()` after changing it. */
    readonly config: KeyFile,
    readonly xattrs: XattrPort,
  ) {}

  get isArchive(): boolean {
    return this.mode === 'archive';
  }

  /** `core.fsync` (default true): whether object and ref writes are fsynced. */
  get fsync(): boolean {
    try {
      return this.config.getBoolean('core', 'fsync') ?? true;
    } catch {
      return true;
    }
  }

  /** Opens an existing repository. */
  static async open(path: string, options: RepoOpenOptions = {}): Promise<Repo> {
    const abs = resolve(path);
    let text: string;
    try {
      text = await readFile(join(abs, 'config'), 'utf8');
    } catch (error) {
      throw withPath(fromSystemError(error, `opening repository ${abs}`), abs);
    }
    let config: KeyFile;
    try {
      config = KeyFile.parse(text);
    } catch (error) {
      throw new CorruptError(`repository config ${join(abs, 'config')} is malformed`, { cause: error });
    }
    const version = config.getString('core', 'repo_version');
    if (version === undefined) throw new CorruptError(`repository config has no core.repo_version`);
    if (version.trim() !== '1') throw new UnsupportedError(`unsupported repository version ${version}`);
    const modeText = config.getString('core', 'mode') ?? 'bare';
    const mode = parseRepoMode(modeText.trim());
    try {
      await access(join(abs, 'objects'), constants.R_OK);
    } catch (error) {
      throw new CorruptError(`repository ${abs} has no objects directory`, { cause: error });
    }
    return new Repo(abs, mode, config, options.xattrs ?? nodeXattrs);
  }

  /**
   * Creates a repository with exactly ostree's layout (`config`, `extensions/`, `objects/`,
   * `refs/{heads,mirrors,remotes}/`, `state/`, `tmp/cache/`). Like `ostree init`, initializing
   * an existing repository of the same mode is a no-op.
   */
  static async init(path: string, options: RepoInitOptions = {}): Promise<Repo> {
    const abs = resolve(path);
    const mode = options.mode ?? 'bare';
    let existing: string | undefined;
    try {
      existing = await readFile(join(abs, 'config'), 'utf8');
    } catch {
      existing = undefined;
    }
    if (existing !== undefined) {
      const repo = await Repo.open(abs, options);
      if (repo.mode !== mode) {
        throw new ConflictError(`repository ${abs} already exists in mode ${repo.mode}`);
      }
      return repo;
    }
    try {
      await mkdir(abs, { recursive: true, mode: 0o755 });
      for (const d of ['extensions', 'objects', 'refs/heads', 'refs/mirrors', 'refs/remotes', 'state', 'tmp/cache']) {
        await mkdir(join(abs, d), { recursive: true, mode: 0o755 });
      }
      const config = new KeyFile();
      config.setString('core', 'repo_version', '1');
      config.setString('core', 'mode', repoModeConfigName(mode));
      if (options.collectionId !== undefined) config.setString('core', 'collection-id', options.collectionId);
      await writeFile(join(abs, 'config'), config.toString(), { mode: 0o644 });
    } catch (error) {
      throw fromSystemError(error, `initializing repository ${abs}`);
    }
    return Repo.open(abs, options);
  }

  /** Atomically rewrites `config`. */
  async writeConfig(): Promise<void> {
    const tmp = join(this.path, `.config.tmp-${process.pid}`);
    try {
      await writeFile(tmp, this.config.toString(), { mode: 0o644 });
      await rename(tmp, join(this.path, 'config'));
    } catch (error) {
      throw fromSystemError(error, `writing ${join(this.path, 'config')}`);
    }
  }

  /** Absolute path of a file inside the repository. */
  resolve(...parts: string[]): string {
    return join(this.path, ...parts);
  }

  /** The repository's temporary directory (same filesystem as the objects). */
  get tmpDir(): string {
    return join(this.path, 'tmp');
  }

  /** The device number of the repository (to decide between hardlinks and copies). */
  async device(): Promise<number> {
    return (await stat(join(this.path, 'objects'))).dev;
  }
}

function withPath(error: Error, path: string): Error {
  if (isTsostreeError(error, NotFoundError.code)) {
    return new NotFoundError(`no repository at ${path} (no config file)`, { cause: error, data: { path } });
  }
  return error;
}
