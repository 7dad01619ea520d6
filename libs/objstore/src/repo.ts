import { constants } from 'node:fs';
import { access, mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
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
  /**
   * Where `*.conf` remote definitions live besides the config (ostree's `remotes.d`), or `null` for
   * none. Default, like `ostree_repo_open`: `/etc/ostree/remotes.d` when this is the machine's
   * system repository `/ostree/repo` (same device and inode), none otherwise. `@tsostree/sysroot`
   * passes `<sysroot>/etc/ostree/remotes.d` for a deployment root and `null` for a physical root.
   */
  remotesConfigDir?: string | null;
  /**
   * Whether this is a system repository (opened through a sysroot). It decides the default of
   * `core.add-remotes-config-dir`: new remotes go to `remotes.d` only for system repositories.
   * Default: true when the repository is `/ostree/repo`.
   */
  system?: boolean;
}

/** ostree's system repository and its remotes directory on this machine. */
const SYSTEM_REPO = '/ostree/repo';
const SYSTEM_REMOTES_DIR = '/etc/ostree/remotes.d';

/** A `remotes.d` file: its path and what it defines. */
export interface RemoteConfigFile {
  readonly path: string;
  readonly keyfile: KeyFile;
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
    /** The `remotes.d` directory this repository reads remotes from, if any. */
    readonly remotesConfigDir: string | undefined,
    /** Remotes defined in `remotes.d` files, by name (loaded at open, kept current by add/delete). */
    readonly remoteFiles: Map<string, RemoteConfigFile>,
    /** Whether this is a system repository (see {@link RepoOpenOptions.system}). */
    readonly system: boolean,
  ) {}

  /** `core.add-remotes-config-dir` (default: whether this is a system repository). */
  get addRemotesConfigDir(): boolean {
    try {
      return this.config.getBoolean('core', 'add-remotes-config-dir') ?? this.system;
    } catch {
      return this.system;
    }
  }

  get isArchive(): boolean {
    return this.mode === 'archive';
  }

  /**
   * `ostree_repo_set_disable_fsync` (`ostree pull --disable-fsync`): nothing written through this
   * open repository is fsynced, whatever `core.fsync` says; the config is not changed.
   */
  disableFsync = false;

  /**
   * Verified dirtree/dirmeta bytes read through this open repository, by `checksum.type`, while a
   * {@link withMetadataCache} scope is active (undefined otherwise). Objects are immutable and
   * named by their checksum, so a hit is always the object's content; deleting an object evicts it.
   */
  metadataCache: Map<string, Uint8Array> | undefined = undefined;

  /** `core.fsync` (default true): whether object and ref writes are fsynced. */
  get fsync(): boolean {
    if (this.disableFsync) return false;
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
    const isSystemPath = options.remotesConfigDir === undefined || options.system === undefined ? await sameFile(abs, SYSTEM_REPO) : false;
    const remotesConfigDir = options.remotesConfigDir === undefined ? (isSystemPath ? SYSTEM_REMOTES_DIR : undefined) : (options.remotesConfigDir ?? undefined);
    const remoteFiles = await loadRemotesDir(config, remotesConfigDir);
    return new Repo(abs, mode, config, options.xattrs ?? nodeXattrs, remotesConfigDir, remoteFiles, options.system ?? isSystemPath);
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

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [sa, sb] = await Promise.all([stat(a), stat(b)]);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

const REMOTE_GROUP = /^remote "(.+)"$/;

/** The remote names a keyfile defines (`[remote "NAME"]` groups). */
export function remoteNamesIn(keyfile: KeyFile): string[] {
  return keyfile.getGroups().flatMap((g) => {
    const m = REMOTE_GROUP.exec(g);
    return m ? [m[1]!] : [];
  });
}

/**
 * Reads every regular `*.conf` file of a `remotes.d` directory (a missing directory is empty), like
 * ostree's reload_remote_config: a remote defined twice — in the config and a file, or in two
 * files — is an error, as is a file that is not a valid keyfile.
 */
async function loadRemotesDir(config: KeyFile, dir: string | undefined): Promise<Map<string, RemoteConfigFile>> {
  const files = new Map<string, RemoteConfigFile>();
  if (dir === undefined) return files;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return files;
    throw fromSystemError(error, `reading remotes directory ${dir}`);
  }
  const defined = new Set(remoteNamesIn(config));
  for (const name of names.filter((n) => n.endsWith('.conf')).sort()) {
    const path = join(dir, name);
    let text: string;
    try {
      const st = await stat(path);
      if (!st.isFile()) continue;
      if (st.size > MAX_REMOTE_FILE) throw new CorruptError(`remote configuration ${path} is too large`, { data: { path } });
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isTsostreeError(error)) throw error;
      throw fromSystemError(error, `reading remote configuration ${path}`);
    }
    let keyfile: KeyFile;
    try {
      keyfile = KeyFile.parse(text);
    } catch (error) {
      throw new CorruptError(`remote configuration ${path} is malformed`, { cause: error, data: { path } });
    }
    for (const remote of remoteNamesIn(keyfile)) {
      if (defined.has(remote)) throw new ConflictError(`Multiple specifications found for remote "${remote}"`, { data: { remote, path } });
      defined.add(remote);
      files.set(remote, { path, keyfile });
    }
  }
  return files;
}

/** A remotes.d file is a few lines; anything this big is not one. */
const MAX_REMOTE_FILE = 1024 * 1024;

function withPath(error: Error, path: string): Error {
  if (isTsostreeError(error, NotFoundError.code)) {
    return new NotFoundError(`no repository at ${path} (no config file)`, { cause: error, data: { path } });
  }
  return error;
}
