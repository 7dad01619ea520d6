import { ConflictError, NotFoundError } from '@tsostree/errors';
import { assertRemoteName } from './repo-refs.js';
import type { Repo } from './repo.js';

/** A remote as kept in the repo config: `[remote "name"]` with all of its keys. */
export interface Remote {
  name: string;
  url: string;
  /** `branches=` list, if any. */
  branches: string[];
  /** Every key of the group as its unescaped string, including url and branches. */
  options: Record<string, string>;
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
}

const groupName = (name: string): string => `remote "${name}"`;

/** Adds a remote like `ostree remote add` (same key order: url, branches, --set options, gpg-verify). */
export async function addRemote(repo: Repo, name: string, url: string, options: RemoteAddOptions = {}): Promise<void> {
  assertRemoteName(name);
  const group = groupName(name);
  if (repo.config.hasGroup(group)) {
    if (options.ifNotExists) return;
    throw new ConflictError(`Remote configuration for "${name}" already exists`, { data: { remote: name } });
  }
  repo.config.setString(group, 'url', url);
  if (options.branches && options.branches.length > 0) repo.config.setStringList(group, 'branches', options.branches);
  for (const [k, v] of Object.entries(options.options ?? {})) repo.config.setString(group, k, v);
  if (options.noGpgVerify) repo.config.setBoolean(group, 'gpg-verify', false);
  await repo.writeConfig();
}

/** Deletes a remote and its remote-tracking refs' config; NotFound unless `ifExists`. */
export async function deleteRemote(repo: Repo, name: string, options: { ifExists?: boolean } = {}): Promise<void> {
  assertRemoteName(name);
  if (!repo.config.removeGroup(groupName(name))) {
    if (options.ifExists) return;
    throw new NotFoundError(`Remote "${name}" not found`, { data: { remote: name } });
  }
  await repo.writeConfig();
}

/** Remote names, sorted. */
export function listRemotes(repo: Repo): string[] {
  const out: string[] = [];
  for (const g of repo.config.getGroups()) {
    const m = /^remote "(.+)"$/.exec(g);
    if (m) out.push(m[1]!);
  }
  return out.sort();
}

/** One remote's configuration; NotFoundError if missing. */
export function getRemote(repo: Repo, name: string): Remote {
  const group = groupName(name);
  if (!repo.config.hasGroup(group)) throw new NotFoundError(`Remote "${name}" not found`, { data: { remote: name } });
  const options: Record<string, string> = {};
  for (const k of repo.config.getKeys(group)) options[k] = repo.config.getString(group, k) ?? '';
  const url = options.url;
  if (url === undefined) throw new NotFoundError(`No "url" option in remote "${name}"`, { data: { remote: name } });
  return { name, url, branches: repo.config.getStringList(group, 'branches') ?? [], options };
}
