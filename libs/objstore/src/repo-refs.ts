import type { Stats } from 'node:fs';
import { lstat, open, readFile, readdir, readlink, rename, rm, mkdir, rmdir, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { ConflictError, CorruptError, InvalidArgumentError, NotFoundError, fromSystemError } from '@tsostree/errors';
import { isChecksum } from './format/object-path.js';
import type { Repo } from './repo.js';

const FRAGMENT = '[A-Za-z0-9_][-._A-Za-z0-9_]*';
const REF_RE = new RegExp(`^(?:${FRAGMENT}/)*${FRAGMENT}$`);
const REMOTE_RE = /^[A-Za-z0-9_][-_A-Za-z0-9_]*$/;

/** True for a valid ref name (ostree `ostree_validate_rev`: `/`-separated `[\w\d][-._\w\d]*` fragments). */
export function isValidRefName(name: string): boolean {
  return name.length <= 1024 && REF_RE.test(name);
}

export function assertRefName(name: string): void {
  if (!isValidRefName(name)) throw new InvalidArgumentError(`invalid ref name ${JSON.stringify(name.slice(0, 200))}`);
}

/** True for a valid remote name (ostree `ostree_validate_remote_name`). */
export function isValidRemoteName(name: string): boolean {
  return name.length <= 256 && REMOTE_RE.test(name);
}

export function assertRemoteName(name: string): void {
  if (!isValidRemoteName(name)) throw new InvalidArgumentError(`invalid remote name ${JSON.stringify(name.slice(0, 200))}`);
}

/** A ref: a local branch (`remote` undefined) or a remote-tracking ref `remote:name`. */
export interface RefSpec {
  remote?: string;
  ref: string;
}

/** Parses `[REMOTE:]REF` (ostree `ostree_parse_refspec`). */
export function parseRefspec(spec: string): RefSpec {
  const colon = spec.indexOf(':');
  if (colon < 0) {
    assertRefName(spec);
    return { ref: spec };
  }
  const remote = spec.slice(0, colon);
  const ref = spec.slice(colon + 1);
  assertRemoteName(remote);
  assertRefName(ref);
  return { remote, ref };
}

export function formatRefspec(spec: RefSpec): string {
  return spec.remote === undefined ? spec.ref : `${spec.remote}:${spec.ref}`;
}

function refFile(repo: Repo, spec: RefSpec): string {
  return spec.remote === undefined
    ? repo.resolve('refs', 'heads', spec.ref)
    : repo.resolve('refs', 'remotes', spec.remote, spec.ref);
}

async function readRefFile(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw fromSystemError(error, `reading ref ${path}`);
  }
  const value = text.replace(/\n$/, '');
  if (!isChecksum(value)) throw new CorruptError(`ref file ${path} does not hold a checksum`, { data: { path } });
  return value;
}

/** Reads a ref; undefined if it does not exist. Also accepts `remote/ref` like ostree. */
export async function readRef(repo: Repo, spec: RefSpec | string): Promise<string | undefined> {
  const s = typeof spec === 'string' ? parseRefspec(spec) : spec;
  const direct = await readRefFile(refFile(repo, s));
  if (direct !== undefined || s.remote !== undefined) return direct;
  // `origin/main` names refs/remotes/origin/main; then mirrors.
  return (
    (await readRefFile(repo.resolve('refs', 'remotes', s.ref))) ??
    (await readRefFile(repo.resolve('refs', 'mirrors', s.ref)))
  );
}

/** Atomically points a ref at `checksum` (temp file + rename), or deletes it when `checksum` is null. */
export async function writeRef(repo: Repo, spec: RefSpec | string, checksum: string | null): Promise<void> {
  const s = typeof spec === 'string' ? parseRefspec(spec) : spec;
  const path = refFile(repo, s);
  if (checksum === null) {
    if (s.remote === undefined && !(await lstatOrUndefined(path))?.isSymbolicLink()) {
      const name = formatRefspec(s);
      for (const [alias, target] of await listRefAliases(repo)) {
        if (target === name) {
          throw new ConflictError(`Ref '${name}' has an active alias: '${alias}'`, { data: { ref: name, alias } });
        }
      }
    }
    try {
      await rm(path);
    } catch (error) {
      throw fromSystemError(error, `deleting ref ${formatRefspec(s)}`);
    }
    // Remove now-empty parent directories below refs/heads or refs/remotes/<r>.
    const stop = s.remote === undefined ? repo.resolve('refs', 'heads') : repo.resolve('refs', 'remotes', s.remote);
    for (let d = dirname(path); d.startsWith(stop + '/'); d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        break;
      }
    }
    return;
  }
  if (!isChecksum(checksum)) throw new InvalidArgumentError(`invalid checksum ${JSON.stringify(checksum)}`);
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(`${checksum}\n`);
      if (repo.fsync) await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw fromSystemError(error, `writing ref ${formatRefspec(s)}`);
  }
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch {
    return undefined;
  }
}

/**
 * Ref aliases (`ostree refs --create=ALIAS --alias TARGET`): symbolic links under `refs/heads`
 * whose relative target names another local ref. Returns `alias → target`, sorted by alias.
 * Links that leave `refs/heads` are not aliases (and never followed for writing).
 */
export async function listRefAliases(repo: Repo): Promise<Map<string, string>> {
  const heads = repo.resolve('refs', 'heads');
  const out: [string, string][] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw fromSystemError(error, `listing refs in ${dir}`);
    }
    for (const e of entries) {
      const name = prefix === '' ? e.name : `${prefix}/${e.name}`;
      if (e.isDirectory()) await walk(join(dir, e.name), name);
      else if (e.isSymbolicLink()) {
        let link: string;
        try {
          link = await readlink(join(dir, e.name));
        } catch (error) {
          throw fromSystemError(error, `reading ref alias ${name}`);
        }
        const target = relative(heads, resolvePath(dir, link));
        if (target.startsWith('..') || isAbsolute(target) || !isValidRefName(target)) continue;
        out.push([name, target]);
      }
    }
  };
  await walk(heads, '');
  out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(out);
}

/**
 * Creates (or replaces) the alias `alias` → `target`, like `ostree refs --create=ALIAS --alias
 * TARGET`: a relative symbolic link in `refs/heads`, created under a temporary name and renamed
 * into place. The target must be an existing local ref (or alias).
 */
export async function createRefAlias(repo: Repo, alias: string, target: string): Promise<void> {
  assertRefName(alias);
  if (!isValidRefName(target) || alias === target || (await lstatOrUndefined(repo.resolve('refs', 'heads', target))) === undefined) {
    throw new NotFoundError(`Cannot create alias to non-existent ref: ${target}`, { data: { ref: target } });
  }
  const path = repo.resolve('refs', 'heads', alias);
  const existing = await lstatOrUndefined(path);
  if (existing?.isDirectory()) throw new ConflictError(`ref ${alias} is a directory of refs`, { data: { ref: alias } });
  const link = `${'../'.repeat(alias.split('/').length - 1)}${target}`;
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await symlink(link, tmp);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw fromSystemError(error, `creating ref alias ${alias}`);
  }
}

async function walkRefs(dir: string, prefix: string, out: Map<string, string>, make: (name: string) => string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw fromSystemError(error, `listing refs in ${dir}`);
  }
  for (const e of entries) {
    const name = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) await walkRefs(join(dir, e.name), name, out, make);
    else if ((e.isFile() || e.isSymbolicLink()) && !e.name.includes('.tmp-')) {
      const value = await readRefFile(join(dir, e.name));
      if (value !== undefined) out.set(make(name), value);
    }
  }
}

/**
 * Lists refs as `name → checksum`: local heads as `name`, remote refs as `remote:name`.
 * With `prefix`, only refs whose name starts with it (for a remote, pass `remote:` prefix).
 * Local heads come first, then remote refs, each sorted by name (the order `ostree refs` prints).
 */
export async function listRefs(repo: Repo, options: { prefix?: string; remotes?: boolean } = {}): Promise<Map<string, string>> {
  const heads = new Map<string, string>();
  const remoteRefs = new Map<string, string>();
  await walkRefs(repo.resolve('refs', 'heads'), '', heads, (n) => n);
  if (options.remotes !== false) {
    let remotes: string[] = [];
    try {
      remotes = (await readdir(repo.resolve('refs', 'remotes'), { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      remotes = [];
    }
    for (const r of remotes) await walkRefs(repo.resolve('refs', 'remotes', r), '', remoteRefs, (n) => `${r}:${n}`);
  }
  const sorted = (m: Map<string, string>): [string, string][] =>
    [...m.entries()]
      .filter(([k]) => options.prefix === undefined || k.startsWith(options.prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map([...sorted(heads), ...sorted(remoteRefs)]);
}

/** Lists `refs/mirrors` refs (collection-id, ref) as `collection-id:ref`… kept simple: `name → checksum`. */
export async function listMirrorRefs(repo: Repo): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await walkRefs(repo.resolve('refs', 'mirrors'), '', out, (n) => n);
  return out;
}

/** Options for {@link resolveRev}. */
export interface ResolveRevOptions {
  /** Return undefined instead of throwing NotFound. */
  allowMissing?: boolean;
  /** Reads the parent of a commit (provided by the commit layer, needed for `REF^`). */
  parentOf?: (checksum: string) => Promise<string | undefined>;
  /** Lists stored commit checksums starting with a prefix (for partial checksums). */
  commitsWithPrefix?: (prefix: string) => Promise<string[]>;
}

/**
 * Resolves a revision to a commit checksum, like `ostree rev-parse`: a full checksum, a unique
 * partial checksum (≥ 4 hex digits), `REF`, `remote:REF`, `remote/REF`, each optionally followed
 * by `^` (parent) any number of times.
 */
export async function resolveRev(repo: Repo, rev: string, options: ResolveRevOptions = {}): Promise<string | undefined> {
  if (rev.length === 0) throw new InvalidArgumentError('empty revision');
  if (isChecksum(rev)) return rev;
  if (rev.endsWith('^')) {
    const base = await resolveRev(repo, rev.slice(0, -1), options);
    if (base === undefined) return undefined;
    if (!options.parentOf) throw new InvalidArgumentError(`cannot resolve ${rev}: parent lookup unavailable`);
    const parent = await options.parentOf(base);
    if (parent === undefined) {
      if (options.allowMissing) return undefined;
      throw new NotFoundError(`revision ${rev}: commit ${base} has no parent`, { data: { rev } });
    }
    return parent;
  }
  if (/^[0-9a-f]{4,63}$/.test(rev) && options.commitsWithPrefix) {
    const matches = await options.commitsWithPrefix(rev);
    if (matches.length > 1) throw new InvalidArgumentError(`ambiguous partial checksum ${rev}`, { data: { rev, matches } });
    if (matches.length === 1) return matches[0];
  }
  let spec: RefSpec;
  try {
    spec = parseRefspec(rev);
  } catch (error) {
    throw new InvalidArgumentError(`invalid revision ${JSON.stringify(rev.slice(0, 200))}`, { cause: error });
  }
  const value = await readRef(repo, spec);
  if (value === undefined && !options.allowMissing) {
    throw new NotFoundError(`Refspec '${rev}' not found`, { data: { rev } });
  }
  return value;
}
