import { mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, NotFoundError, fromSystemError } from '@tsostree/errors';
import { KeyFile } from './keyfile.js';
import { assertRemoteName } from './repo-refs.js';
import { remoteNamesIn, type Repo } from './repo.js';

/** A remote as kept in the repo config or a `remotes.d` file: `[remote "name"]` with all of its keys. */
export interface Remote {
  name: string;
  url: string;
  /** `branches=` list, if any. */
  branches: string[];
  /** Every key of the group as its unescaped string, including url and branches. */
  options: Record<string, string>;
  /** The `remotes.d` file that defines it; undefined when it is in the repository's config. */
  file?: string;
}

export interface RemoteAddOptions {
  /** Branches (`branches=a;b;`). */
  branches?: string[];
  /** Extra options (`--set=KEY=VALUE`), written in order. */
  options?: Record<string, string>;
  /** `--no-gpg-verify`: writes `gpg-verify=false`. */
  noGpgVerify?: boolean;
  /** Do nothing when the remote exists (otherwise ConflictError). */
  ifNotExists?: boolean;
  /** `--force`: replace an existing remote's options where it is defined (config or file). */
  replace?: boolean;
}

const groupName = (name: string): string => `remote "${name}"`;

/** Where a remote is defined: the repository config, or a `remotes.d` file's keyfile. */
function definitionOf(repo: Repo, name: string): { keyfile: KeyFile; file?: string } | undefined {
  if (repo.config.hasGroup(groupName(name))) return { keyfile: repo.config };
  const f = repo.remoteFiles.get(name);
  return f ? { keyfile: f.keyfile, file: f.path } : undefined;
}

/** Writes a remotes.d file atomically (temp file + rename), creating the directory like ostree. */
async function writeRemoteFile(path: string, keyfile: KeyFile): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await mkdir(join(path, '..'), { recursive: true, mode: 0o755 });
    await writeFile(tmp, keyfile.toString(), { mode: 0o644 });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw fromSystemError(error, `writing remote configuration ${path}`);
  }
}

function fillGroup(keyfile: KeyFile, group: string, url: string, options: RemoteAddOptions): void {
  keyfile.setString(group, 'url', url);
  if (options.branches && options.branches.length > 0) keyfile.setStringList(group, 'branches', options.branches);
  for (const [k, v] of Object.entries(options.options ?? {})) keyfile.setString(group, k, v);
  if (options.noGpgVerify) keyfile.setBoolean(group, 'gpg-verify', false);
}

/**
 * Adds a remote like `ostree remote add` (same key order: url, branches, --set options,
 * gpg-verify). A system repository with a `remotes.d` directory (and `core.add-remotes-config-dir`
 * not false) gets the remote in `<dir>/<name>.conf`; any other repository in its config.
 */
export async function addRemote(repo: Repo, name: string, url: string, options: RemoteAddOptions = {}): Promise<void> {
  assertRemoteName(name);
  const group = groupName(name);
  const existing = definitionOf(repo, name);
  if (existing && options.replace) {
    // ostree's REPLACE: the group is rebuilt from scratch where it lives.
    existing.keyfile.removeGroup(group);
    fillGroup(existing.keyfile, group, url, options);
    if (existing.file !== undefined) await writeRemoteFile(existing.file, existing.keyfile);
    else await repo.writeConfig();
    return;
  }
  if (existing) {
    if (options.ifNotExists) return;
    throw new ConflictError(`Remote configuration for "${name}" already exists: ${existing.file ?? '(in config)'}`, { data: { remote: name } });
  }
  if (repo.remotesConfigDir !== undefined && repo.addRemotesConfigDir) {
    const path = join(repo.remotesConfigDir, `${name}.conf`);
    const keyfile = new KeyFile();
    fillGroup(keyfile, group, url, options);
    await writeRemoteFile(path, keyfile);
    repo.remoteFiles.set(name, { path, keyfile });
    return;
  }
  fillGroup(repo.config, group, url, options);
  await repo.writeConfig();
}

/**
 * Deletes a remote like `ostree remote delete`: its config group, or its whole `remotes.d` file
 * (with every remote that file defines), then its keyring `<repo>/<name>.trustedkeys.gpg`.
 * NotFound unless `ifExists`.
 */
export async function deleteRemote(repo: Repo, name: string, options: { ifExists?: boolean } = {}): Promise<void> {
  assertRemoteName(name);
  const existing = definitionOf(repo, name);
  if (!existing) {
    if (options.ifExists) return;
    throw new NotFoundError(`Remote "${name}" not found`, { data: { remote: name } });
  }
  if (existing.file !== undefined) {
    try {
      await unlink(existing.file);
    } catch (error) {
      throw fromSystemError(error, `deleting remote configuration ${existing.file}`);
    }
    for (const other of remoteNamesIn(existing.keyfile)) repo.remoteFiles.delete(other);
  } else {
    repo.config.removeGroup(groupName(name));
    await repo.writeConfig();
  }
  try {
    await rm(repo.resolve(`${name}.trustedkeys.gpg`), { force: true });
  } catch (error) {
    throw fromSystemError(error, `deleting the keyring of remote ${name}`);
  }
}

/** Remote names from the config and `remotes.d`, sorted. */
export function listRemotes(repo: Repo): string[] {
  return [...new Set([...remoteNamesIn(repo.config), ...repo.remoteFiles.keys()])].sort();
}

/** One remote's configuration; NotFoundError if missing. */
export function getRemote(repo: Repo, name: string): Remote {
  const def = definitionOf(repo, name);
  if (!def) throw new NotFoundError(`Remote "${name}" not found`, { data: { remote: name } });
  const group = groupName(name);
  const options: Record<string, string> = {};
  for (const k of def.keyfile.getKeys(group)) options[k] = def.keyfile.getString(group, k) ?? '';
  const url = options.url;
  if (url === undefined) throw new NotFoundError(`No "url" option in remote "${name}"`, { data: { remote: name } });
  return { name, url, branches: def.keyfile.getStringList(group, 'branches') ?? [], options, ...(def.file !== undefined ? { file: def.file } : {}) };
}
