/**
 * Laying the resolved packages down into a fresh root with @tsostree/rpmdb, in the solver's order
 * (`documentation: false` and `install-langs` skip files like rpm's `--excludedocs` / `%_install_langs`),
 * re-applying file owners once scriptlets may have created users (rpm-ostree's order), and writing the
 * sqlite rpmdb with the installed headers rpm itself would store.
 */
import { chmodSync, lchownSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setAttributeSync } from '@napi-rs/xattr';
import { ConflictError, fromSystemError, isTsostreeError, throwIfAborted, UnsupportedError, withContext } from '@tsostree/errors';
import {
  capsTextToXattr,
  extractPackage,
  FileState,
  installedHeader,
  packageFiles,
  readPackageHeaders,
  RootOwners,
  safePathComponents,
  Rpmdb,
  type Header,
  type RpmFileEntry,
  type RpmPackageHeaders,
} from '@tsostree/rpmdb';
import type { DownloadedPackage } from './compose-download.js';

export interface InstalledPackage {
  nevra: string;
  name: string;
  path: string;
  signature: Header;
  header: Header;
  /** One FILESTATES entry per file (NORMAL, or NOT_INSTALLED for skipped docs/languages). */
  fileStates: number[];
}

export type InstallProgress = { phase: 'install'; done: number; total: number; nevra: string; files: number };

export interface InstallOptions {
  /** Install `%doc` files (treefile `documentation`, default true). */
  documentation?: boolean;
  /** Languages to install (treefile `install-langs`); undefined = all. */
  installLangs?: readonly string[];
  /**
   * Files written into the fresh root before any package (rpm-ostree's preserve-passwd: the previous commit's
   * users and groups as `etc/passwd`/`etc/group`); packages do not overwrite them.
   */
  seed?: readonly { path: string; content: string }[];
  /** Apply the packages' owners while extracting (default true; needs root). */
  chown?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: InstallProgress) => void;
}

/** The rpm-ostree dbpath inside the tree. */
export const TREE_RPMDB_PATH = 'usr/share/rpm';

/**
 * rpm's `%_install_langs` test (lib/transaction.c): a file whose languages (`fr|de`) include one that is a
 * prefix of a wanted language is kept (file `fr` for `fr_FR`, not file `fr_FR` for `fr`); `all` keeps everything.
 */
export function fileLangWanted(lang: string, installLangs: readonly string[] | undefined): boolean {
  if (!installLangs || lang === '' || installLangs.includes('all')) return true;
  const fileLangs = lang.split('|').filter((l) => l !== '');
  return installLangs.some((wanted) => fileLangs.some((l) => wanted.startsWith(l)));
}

function skipper(options: InstallOptions): (f: RpmFileEntry) => boolean {
  const docs = options.documentation ?? true;
  return (f) => (!docs && f.doc) || !fileLangWanted(f.lang, options.installLangs);
}

/** Refuses to install into a directory that already has content. */
async function ensureFreshRoot(root: string): Promise<void> {
  try {
    const entries = await readdir(root);
    if (entries.length > 0) throw new ConflictError(`install root ${root} is not empty`, { data: { path: root } });
  } catch (err) {
    if (isTsostreeError(err)) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fromSystemError(err, root);
    await mkdir(root, { recursive: true, mode: 0o755 }).catch((e: unknown) => {
      throw fromSystemError(e, root);
    });
  }
}

/**
 * Extracts every package into `root` (which must be empty or missing), in order. A package may carry the
 * `headers` already read from its file (the compose reads them first to check scriptlets and owners).
 */
export async function installPackages(
  root: string,
  packages: readonly (DownloadedPackage & { headers?: RpmPackageHeaders })[],
  options: InstallOptions = {},
): Promise<InstalledPackage[]> {
  await ensureFreshRoot(root);
  const seeded = new Set<string>();
  for (const f of options.seed ?? []) {
    const parts = safePathComponents(`/${f.path}`);
    await mkdir(join(root, ...parts.slice(0, -1)), { recursive: true, mode: 0o755 }).catch((err: unknown) => {
      throw fromSystemError(err, f.path);
    });
    await writeFile(join(root, ...parts), f.content, { mode: 0o644, flag: 'wx' }).catch((err: unknown) => {
      throw fromSystemError(err, f.path);
    });
    seeded.add(`/${parts.join('/')}`);
  }
  const skipInstall = skipper(options);
  const skip = (f: RpmFileEntry) => seeded.has(f.path) || skipInstall(f);
  const installed: InstalledPackage[] = [];
  const chown = options.chown ?? true;
  // Names → ids through the root's passwd/group, re-read only when a package changed them.
  const rootOwners = chown ? new RootOwners(root) : undefined;
  let done = 0;
  for (const { pkg, path, headers: known } of packages) {
    throwIfAborted(options.signal);
    const headers = known ?? (await readPackageHeaders(path));
    const files = packageFiles(headers.header);
    const fileStates = files.map((f) => (skipInstall(f) ? FileState.NOT_INSTALLED : FileState.NORMAL));
    let count = 0;
    try {
      const result = await extractPackage(path, root, {
        symlinkParents: 'in-root',
        headers,
        skipFile: skip,
        chown,
        owners: rootOwners?.owners(),
        signal: options.signal,
      });
      count = result.files;
    } catch (err) {
      throw withContext(`installing ${pkg.nevra}`, err);
    }
    installed.push({ nevra: pkg.nevra, name: pkg.name, path, signature: headers.signature, header: headers.header, fileStates });
    done++;
    options.onProgress?.({ phase: 'install', done, total: packages.length, nevra: pkg.nevra, files: count });
  }
  return installed;
}

function readIds(root: string, file: string): Map<string, number> {
  const ids = new Map<string, number>();
  let text: string;
  try {
    const st = lstatSync(join(root, file));
    if (!st.isFile()) return ids;
    text = readFileSync(join(root, file), 'utf8');
  } catch {
    return ids;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[0] && /^[0-9]+$/.test(f[2]!)) ids.set(f[0], Number(f[2]));
  }
  return ids;
}

/** Resolves `path` inside `root` as a chroot would, following symlinked parents but not the last component. */
export function resolveInRoot(root: string, path: string): string | undefined {
  let pending = safePathComponents(path);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 1) {
    const [head, ...rest] = pending as [string, ...string[]];
    if (head === '..') {
      done.pop();
      pending = rest;
      continue;
    }
    if (head === '.') {
      pending = rest;
      continue;
    }
    const here = join(root, ...done, head);
    let st;
    try {
      st = lstatSync(here);
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) {
      if (++links > 40) return undefined;
      const target = readlinkSync(here);
      const parts = target.split('/').filter((p) => p !== '');
      if (target.startsWith('/')) done.length = 0;
      pending = [...parts, ...rest];
      continue;
    }
    if (!st.isDirectory()) return undefined;
    done.push(head);
    pending = rest;
  }
  return join(root, ...done, ...pending);
}

/**
 * Sets every file's owner from the package headers, with names resolved through the root's own
 * `etc/passwd` / `etc/group` (what rpm-ostree does after `%pre` scriptlets created users). Unknown
 * names fall back to root, like rpm.
 */
export function applyFileOwners(root: string, installed: readonly InstalledPackage[]): number {
  const users = readIds(root, 'etc/passwd');
  const groups = readIds(root, 'etc/group');
  let changed = 0;
  for (const pkg of installed) {
    const files = packageFiles(pkg.header);
    files.forEach((f, i) => {
      if (pkg.fileStates[i] !== FileState.NORMAL || f.ghost) return;
      if (f.user === 'root' && f.group === 'root') return;
      const uid = f.user === 'root' ? 0 : (users.get(f.user) ?? 0);
      const gid = f.group === 'root' ? 0 : (groups.get(f.group) ?? 0);
      const p = resolveInRoot(root, f.path);
      if (!p) return;
      try {
        const st = lstatSync(p);
        if (st.uid === uid && st.gid === gid) return;
        const mode = st.mode & 0o7777;
        lchownSync(p, uid, gid);
        // chown clears setuid/setgid bits and file capabilities: put them back.
        if (!st.isSymbolicLink() && (mode & 0o6000) !== 0) chmodSync(p, mode);
        if (st.isFile() && f.caps) setAttributeSync(p, 'security.capability', capsTextToXattr(f.caps));
        changed++;
      } catch (err) {
        throw fromSystemError(err, `setting the owner of ${f.path}`);
      }
    });
  }
  return changed;
}

/** Why an unprivileged compose cannot lay down `f`, or undefined when it can. */
function unprivilegedProblem(f: RpmFileEntry): string | undefined {
  if (f.user !== 'root' || f.group !== 'root') return `owned by ${f.user}:${f.group}`;
  if (f.caps) return `with file capabilities (${f.caps})`;
  const type = f.mode & 0o170000;
  const mode = (f.mode & 0o7777).toString(8).padStart(4, '0');
  // The caller owns what it extracts: a directory it cannot write stops later packages (and the cleanup), a file
  // it cannot read stops the commit.
  if (type === 0o040000 && (f.mode & 0o700) !== 0o700) return `(a directory with mode ${mode})`;
  if (type !== 0o040000 && type !== 0o120000 && (f.mode & 0o400) === 0) return `(mode ${mode})`;
  return undefined;
}

/**
 * What an unprivileged compose cannot lay down: files owned by anyone but root:root (it cannot chown, and the
 * commit records root for every file), file capabilities (`security.capability` needs CAP_SETFCAP), directories
 * without owner write/search permission and files without owner read permission (the caller owns them, without
 * root's override). Throws an `UnsupportedError` naming the first such file, before anything is extracted.
 */
export function checkUnprivileged(packages: readonly { nevra: string; header: Header }[]): void {
  for (const pkg of packages) {
    for (const f of packageFiles(pkg.header)) {
      if (f.ghost) continue;
      const what = unprivilegedProblem(f);
      if (what === undefined) continue;
      throw new UnsupportedError(`Package '${pkg.nevra}' has ${f.path} ${what}; composing it needs root`, {
        data: { package: pkg.nevra, path: f.path, user: f.user, group: f.group },
      });
    }
  }
}

/** The rpm transaction color for a base architecture (rpm's `%_transaction_color`). */
export function transactionColor(basearch: string): number {
  return ['x86_64', 'aarch64', 'ppc64le', 'ppc64', 's390x', 'riscv64'].includes(basearch) ? 3 : 0;
}

/** The installed headers rpm would store for `installed` (one transaction: same time and tid). */
export function installedHeaders(installed: readonly InstalledPackage[], options: { installTime: number; basearch: string }): Header[] {
  const color = transactionColor(options.basearch);
  return installed.map((p) =>
    installedHeader(
      { signature: p.signature, header: p.header },
      { installTime: options.installTime, installTid: options.installTime, installColor: color, fileStates: p.fileStates },
    ),
  );
}

/**
 * Writes the sqlite rpmdb of the installed packages at `<root>/usr/share/rpm` (or `dbpath`). `db` may be an
 * `Rpmdb.create`d database already holding the headers (the pipeline fills it while scriptlets run). `fsync:
 * false` leaves the file in the page cache (for a tree that is committed next; default true).
 */
export async function writeTreeRpmdb(
  root: string,
  installed: readonly InstalledPackage[],
  options: { installTime: number; basearch: string; dbpath?: string; db?: Rpmdb; fsync?: boolean },
): Promise<string> {
  const dbpath = join(root, options.dbpath ?? TREE_RPMDB_PATH);
  await mkdir(dbpath, { recursive: true }).catch((err: unknown) => {
    throw fromSystemError(err, dbpath);
  });
  const db = options.db ?? (await Rpmdb.create(dbpath));
  try {
    if (!options.db) for (const h of installedHeaders(installed, options)) db.add(h);
    if (db.dbpath !== dbpath) throw new ConflictError(`rpmdb prepared for ${db.dbpath}, not ${dbpath}`);
    db.save({ fsync: options.fsync ?? true });
  } finally {
    db.close();
  }
  return dbpath;
}
