/**
 * `compose tree`: treefile → repos → resolve → download → install → scriptlets → rpmdb → post-process →
 * commit, with rpm-ostree's commit metadata. A compose whose input hash equals the ref's last commit's
 * commits nothing (unless `forceNocache`).
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, fromSystemError, isTsostreeError, throwIfAborted, withContext } from '@tsostree/errors';
import { Repo, commitDirectory, loadCommit, readRef, vardictLookup, type Variant } from '@tsostree/objstore';
import type { SolverBackend } from '@tsostree/solver';
import { downloadPackages, type DownloadedPackage, type DownloadProgress } from './compose-download.js';
import {
  applyFileOwners,
  checkUnprivileged,
  installedHeaders,
  installPackages,
  TREE_RPMDB_PATH,
  writeTreeRpmdb,
  type InstalledPackage,
  type InstallProgress,
} from './compose-install.js';
import { readCommitPasswd, readCommitTextFile } from './commit-passwd.js';
import { packageEntriesFromHeaders, pkglistVariant } from './db-read.js';
import { postprocessRoot, type PostprocessProgress } from './postprocess/postprocess-root.js';
import { checkScriptlets, runScriptlets, type ScriptletProgress } from './scriptlets-run.js';
import { Rpmdb, readPackageHeaders, type RpmPackageHeaders } from '@tsostree/rpmdb';
import { resolvePackages, type ResolvedPackage } from './compose-resolve.js';
import {
  composeInputHash,
  expandVersionDate,
  jsonToVariant,
  nextVersion,
  rpmmdReposVariant,
} from './format/commit-metadata.js';
import type { Treefile } from './format/treefile-types.js';
import { loadRepos, type LoadedRepo, type RepoLoadProgress } from './repo-load.js';
import { loadTreefile, type LoadedTreefile } from './treefile-load.js';

export type ComposeProgress =
  | { phase: 'treefile'; path: string; ref?: string }
  | RepoLoadProgress
  | { phase: 'resolve'; state: 'start' | 'done'; packages?: number }
  | { phase: 'unchanged'; inputHash: string; commit: string }
  | DownloadProgress
  | InstallProgress
  | { phase: 'scriptlets'; state: 'start' | 'done'; stage: 'pre' | 'post' | 'posttrans'; detail?: unknown }
  | { phase: 'scriptlet'; stage: 'pre' | 'post' | 'posttrans'; nevra: string }
  | { phase: 'rpmdb'; packages: number }
  | { phase: 'postprocess'; state: 'start' | 'done'; detail?: unknown }
  | { phase: 'postprocess'; state: 'step'; step: string; detail?: string }
  | { phase: 'commit'; state: 'start' | 'progress' | 'done'; files?: number; bytes?: number; commit?: string };

/** What the pipeline hands to the post-processing and scriptlet steps. */
export interface ComposeContext {
  root: string;
  treefile: Treefile;
  loaded: LoadedTreefile;
  installed: readonly InstalledPackage[];
  /** The ref's current commit, if any. */
  previous?: string;
  repo: Repo;
  /** The version this commit will carry. */
  version?: string;
  /** Composing without root: files on disk belong to the caller and stand for root:root. */
  unprivileged: boolean;
  signal?: AbortSignal;
  onProgress?: (event: ComposeProgress) => void;
}

export interface ComposePostprocessResult {
  /** Kernel version found (`ostree.linux`); also makes the commit `ostree.bootable`. */
  kernelVersion?: string;
}

export interface ComposeTreeOptions {
  /** The ostree repository to commit into (must exist). */
  repo: string;
  /** Package cache (needed for http(s) repos). */
  cachedir?: string;
  /** Where the root is assembled (default: a fresh directory under `<repo>/tmp/`). Removed afterwards. */
  workdir?: string;
  basearch?: string;
  /** Directory includes must stay inside (default: the treefile's). */
  contextDir?: string;
  /** `--add-metadata-string KEY=VALUE` pairs, in order. */
  addMetadataStrings?: readonly [string, string][];
  /** Write the new commit's checksum here. */
  writeCommitIdTo?: string;
  /** Commit even when the inputs did not change. */
  forceNocache?: boolean;
  /** Commit timestamp and version date (seconds; default now). */
  timestamp?: number;
  /** INSTALLTIME recorded in the rpmdb (default: `timestamp`). */
  installTime?: number;
  /**
   * Compose without root (default: when the process is not root): files are extracted owned by the caller and
   * committed owned by root (uid/gid 0, what the packages say for a root-owned tree). A package with a file owned
   * by another user or group, or with file capabilities, is refused (`UnsupportedError`) before anything is
   * installed. The repository must be one the caller can write root-owned objects into (archive, bare-user,
   * bare-user-only).
   */
  unprivileged?: boolean;
  /** Keep the assembled root (for debugging); its path is in the result. */
  keepRoot?: boolean;
  /** Solver backend (default libsolv/wasm). */
  solver?: SolverBackend;
  /** Scriptlet runner (`%pre`, `%post`, `%posttrans`); default: {@link runScriptlets} (bubblewrap). */
  runScriptlets?: (stage: 'pre' | 'post' | 'posttrans', ctx: ComposeContext) => Promise<unknown>;
  /** Post-processing into the ostree layout; default: {@link postprocessRoot} (rpm-ostree's layout). */
  postprocess?: (ctx: ComposeContext) => Promise<ComposePostprocessResult>;
  signal?: AbortSignal;
  onProgress?: (event: ComposeProgress) => void;
}

export interface ComposeTreeResult {
  /** False when nothing changed since the ref's last commit (no commit was made). */
  changed: boolean;
  ref: string;
  /** The new commit, or the unchanged previous one. */
  commit: string;
  version?: string;
  inputHash: string;
  /** Installed packages, in install order. */
  packages: string[];
  kernelVersion?: string;
  /** The assembled root, when `keepRoot`. */
  root?: string;
}

/** The default scriptlet step: composepost's bubblewrap runner over the installed packages, in order. */
export async function defaultScriptlets(stage: 'pre' | 'post' | 'posttrans', ctx: ComposeContext): Promise<unknown> {
  return runScriptlets(
    ctx.root,
    stage,
    ctx.installed.map((p) => ({ nevra: p.nevra, header: p.header })),
    {
      signal: ctx.signal,
      onProgress: (e: ScriptletProgress) => {
        if (e.type === 'scriptlet') ctx.onProgress?.({ phase: 'scriptlet', stage: e.phase, nevra: e.nevra });
      },
    },
  );
}

/** The default post-processing: rpm-ostree's layout (`postprocessRoot`), check-passwd against the previous commit. */
export async function defaultPostprocess(ctx: ComposeContext): Promise<ComposePostprocessResult> {
  const previous = ctx.previous ? await readCommitPasswd(ctx.repo, ctx.previous) : undefined;
  // The treefile asks for dracut with `initramfs-args`; without dracut in the tree the packaged initramfs stays.
  const hasDracut = (await lstat(join(ctx.root, 'usr/bin/dracut')).catch(() => undefined))?.isFile() ?? false;
  const result = await postprocessRoot(ctx.root, ctx.treefile, {
    dracut: ctx.treefile['initramfs-args'].length > 0 && hasDracut,
    externals: ctx.loaded.externals,
    packages: ctx.installed.map((p) => ({ nevra: p.nevra, header: p.header })),
    previous,
    nextVersion: ctx.version,
    ownersAreRoot: ctx.unprivileged,
    signal: ctx.signal,
    onProgress: (e: PostprocessProgress) => ctx.onProgress?.({ phase: 'postprocess', state: 'step', step: e.step, detail: e.detail }),
  });
  return { kernelVersion: result.kernel?.kernelVersion };
}

function metaString(meta: [string, Variant][], key: string): string | undefined {
  const v = vardictLookup(meta, key);
  return v && v.type === 's' ? (v.value as string) : undefined;
}

/**
 * The default work directory of a compose in the repository's `tmp/`. Named `compose-PID-…` like objstore's own temp
 * files, so the next commit or pull there removes it at once if this process dies mid-compose (`cleanupRepoTmp`);
 * a root kept for the caller (`keepRoot`) is named otherwise and only expires with age (`core.tmp-expiry-secs`).
 */
export function defaultComposeWorkdir(repoPath: string, keepRoot: boolean, pid = process.pid): string {
  const id = randomBytes(6).toString('hex');
  return join(repoPath, 'tmp', keepRoot ? `tsostree-compose-${id}` : `compose-${pid}-${id}`);
}

/** Composes a treefile into a commit on its `ref`. */
export async function composeTree(treefilePath: string, options: ComposeTreeOptions): Promise<ComposeTreeResult> {
  const workdir = options.workdir ?? defaultComposeWorkdir(options.repo, options.keepRoot ?? false);
  const root = join(workdir, 'rootfs');
  // SQLite (WebAssembly) compiles in the background while files are read; the database fills during scriptlets.
  const db = { ready: Rpmdb.create(join(root, TREE_RPMDB_PATH)), used: false };
  db.ready.catch(() => undefined);
  try {
    return await composeTreeIn(treefilePath, options, workdir, root, db);
  } finally {
    if (!db.used) void db.ready.then((d) => d.close(), () => undefined);
  }
}

async function composeTreeIn(
  treefilePath: string,
  options: ComposeTreeOptions,
  workdir: string,
  root: string,
  db: { ready: Promise<Rpmdb>; used: boolean },
): Promise<ComposeTreeResult> {
  const { signal, onProgress } = options;
  // Compile the two WebAssembly modules (libsolv, SQLite) in the background while files are read.
  const warmSolver = options.solver ? Promise.resolve() : import('@tsostree/solver/libsolv').then((m) => m.loadLibsolv()).catch(() => undefined);
  const loaded = await loadTreefile(treefilePath, { basearch: options.basearch, contextDir: options.contextDir, signal });
  const tf = loaded.treefile;
  if (!tf.ref) throw new InvalidArgumentError(`${loaded.path}: the treefile has no "ref"`, { data: { key: 'ref' } });
  onProgress?.({ phase: 'treefile', path: loaded.path, ref: tf.ref });
  for (const [k] of options.addMetadataStrings ?? []) {
    if (k === '') throw new InvalidArgumentError('empty metadata key in --add-metadata-string');
  }

  let repo: Repo;
  try {
    repo = await Repo.open(options.repo);
  } catch (err) {
    throw withContext(`opening repository ${options.repo}`, err);
  }
  const previous = await readRef(repo, tf.ref);
  const previousMeta = previous ? (await loadCommit(repo, previous)).metadata : [];

  const repos: LoadedRepo[] = await loadRepos(loaded.dir, tf, { signal, onProgress });
  await warmSolver;
  onProgress?.({ phase: 'resolve', state: 'start' });
  const resolved: ResolvedPackage[] = await resolvePackages(repos, tf, { signal, backend: options.solver });
  onProgress?.({ phase: 'resolve', state: 'done', packages: resolved.length });

  const inputHash = composeInputHash({
    treefileChecksum: loaded.checksum,
    packages: resolved.map((p) => ({ nevra: p.nevra, checksumType: p.record.checksum.type, checksum: p.record.checksum.value })),
    metadataStrings: options.addMetadataStrings,
  });
  if (previous && !options.forceNocache && metaString(previousMeta, 'rpmostree.inputhash') === inputHash) {
    onProgress?.({ phase: 'unchanged', inputHash, commit: previous });
    return {
      changed: false,
      ref: tf.ref,
      commit: previous,
      version: metaString(previousMeta, 'version'),
      inputHash,
      packages: resolved.map((p) => p.nevra),
    };
  }

  const downloaded = await downloadPackages(resolved, { cachedir: options.cachedir, signal, onProgress });

  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  let keep = false;
  let unsaved: Promise<Rpmdb> | undefined;
  try {
    await mkdir(workdir, { recursive: true }).catch((err: unknown) => {
      throw fromSystemError(err, workdir);
    });
    // Lua scriptlets cannot run, and without root some files cannot be laid down: refuse before installing.
    const unprivileged = options.unprivileged ?? (process.getuid !== undefined && process.getuid() !== 0);
    // The headers read here are handed to the install (not read again).
    let toInstall: (DownloadedPackage & { headers?: RpmPackageHeaders })[] = downloaded;
    if (!options.runScriptlets || unprivileged) {
      // Usually already parsed from the bytes the download verified.
      const read = await Promise.all(downloaded.map(async (d) => ({ ...d, headers: d.headers ?? (await readPackageHeaders(d.path)) })));
      toInstall = read;
      const headers = read.map((d) => ({ nevra: d.pkg.nevra, header: d.headers.header }));
      if (!options.runScriptlets) for (const stage of ['pre', 'post', 'posttrans'] as const) checkScriptlets(stage, headers);
      if (unprivileged) checkUnprivileged(headers);
    }
    const date = new Date(timestamp * 1000);
    const explicitVersion = (options.addMetadataStrings ?? []).find(([k]) => k === 'version')?.[1];
    let version = explicitVersion;
    if (version === undefined && tf['automatic-version-prefix'] !== undefined) {
      const prefix = expandVersionDate(tf['automatic-version-prefix'], date);
      version = nextVersion(prefix, metaString(previousMeta, 'version'), tf['automatic-version-suffix'] ?? '.');
    }

    // preserve-passwd (default on): the previous commit's users and groups seed etc/passwd and etc/group, so
    // scriptlets that add users find the earlier ones and ids stay stable across composes (rpm-ostree's passwd prep).
    const seed: { path: string; content: string }[] = [];
    if (tf['preserve-passwd'] && previous) {
      for (const name of ['passwd', 'group']) {
        const parts = await Promise.all([`usr/etc/${name}`, `usr/lib/${name}`].map((p) => readCommitTextFile(repo, previous, p)));
        const content = parts
          .filter((t): t is string => t !== undefined && t !== '')
          .map((t) => (t.endsWith('\n') ? t : `${t}\n`))
          .join('');
        if (content !== '') seed.push({ path: `etc/${name}`, content });
      }
    }
    const installed = await installPackages(root, toInstall, {
      seed,
      documentation: tf.documentation,
      installLangs: tf['install-langs'],
      chown: !unprivileged,
      signal,
      onProgress,
    });
    const ctx: ComposeContext = { root, treefile: tf, loaded, installed, previous, repo, version, unprivileged, signal, onProgress };
    // The rpmdb is filled (CPU, in WebAssembly) while the scriptlets run (child processes), one package per tick.
    const rpmdbOptions = { installTime: options.installTime ?? timestamp, basearch: tf.basearch };
    db.used = true;
    const filled = (async () => {
      const database = await db.ready;
      for (const h of installedHeaders(installed, rpmdbOptions)) {
        database.add(h);
        await new Promise((r) => setImmediate(r));
      }
      return database;
    })();
    filled.catch(() => undefined);
    unsaved = filled;
    const scriptlets = options.runScriptlets ?? defaultScriptlets;
    for (const stage of ['pre', 'post', 'posttrans'] as const) {
      throwIfAborted(signal);
      onProgress?.({ phase: 'scriptlets', state: 'start', stage });
      const detail = await scriptlets(stage, ctx);
      // rpm-ostree's order: owners are applied once %pre scriptlets may have created the users.
      if (stage === 'pre' && !unprivileged) applyFileOwners(root, installed);
      onProgress?.({ phase: 'scriptlets', state: 'done', stage, detail });
    }
    const database = await filled;
    unsaved = undefined; // writeTreeRpmdb closes it
    // The root is committed next (the commit makes its objects durable) and then removed: no fsync of the file.
    await writeTreeRpmdb(root, installed, { ...rpmdbOptions, db: database, fsync: false });
    onProgress?.({ phase: 'rpmdb', packages: installed.length });

    throwIfAborted(signal);
    onProgress?.({ phase: 'postprocess', state: 'start' });
    const post = await (options.postprocess ?? defaultPostprocess)(ctx);
    onProgress?.({ phase: 'postprocess', state: 'done', detail: post });

    // Metadata
    const meta = new Map<string, Variant>();
    for (const [k, v] of Object.entries(tf['add-commit-metadata'])) meta.set(k, jsonToVariant(v));
    if (version !== undefined) meta.set('version', jsonToVariant(version));
    meta.set('rpmostree.inputhash', jsonToVariant(inputHash));
    meta.set('rpmostree.rpmdb.pkglist', pkglistVariant(packageEntriesFromHeaders(installed.map((p) => p.header))));
    if (tf['repo-metadata'] === 'inline') {
      meta.set('rpmostree.rpmmd-repos', rpmmdReposVariant(repos.map((r) => ({ id: r.config.id, timestamp: r.timestamp }))));
    }
    if (post.kernelVersion !== undefined) {
      meta.set('ostree.bootable', jsonToVariant(true));
      meta.set('ostree.linux', jsonToVariant(post.kernelVersion));
    }
    for (const [k, v] of options.addMetadataStrings ?? []) meta.set(k, jsonToVariant(v));
    const metadata = [...meta.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

    throwIfAborted(signal);
    onProgress?.({ phase: 'commit', state: 'start' });
    const result = await commitDirectory(repo, root, {
      branch: tf.ref,
      subject: '',
      metadata,
      timestamp,
      ...(unprivileged ? { ownerUid: 0, ownerGid: 0 } : {}),
      // Every file is read and staged: the root goes now, so the commit's syncfs does not write it back.
      ...(options.keepRoot ? {} : { treesRead: () => rm(root, { recursive: true, force: true }) }),
      signal,
      onProgress: (e) => onProgress?.({ phase: 'commit', state: 'progress', files: e.files, bytes: e.bytes }),
    });
    onProgress?.({ phase: 'commit', state: 'done', commit: result.checksum });
    if (options.writeCommitIdTo) {
      await writeFile(options.writeCommitIdTo, result.checksum).catch((err: unknown) => {
        throw fromSystemError(err, options.writeCommitIdTo!);
      });
    }
    keep = options.keepRoot ?? false;
    return {
      changed: true,
      ref: tf.ref,
      commit: result.checksum,
      version,
      inputHash,
      packages: installed.map((p) => p.nevra),
      kernelVersion: post.kernelVersion,
      root: keep ? root : undefined,
    };
  } catch (err) {
    if (isTsostreeError(err)) throw err;
    throw withContext('compose', err);
  } finally {
    // A failure between filling and saving the rpmdb: free its WebAssembly memory.
    if (unsaved) void unsaved.then((d) => d.close(), () => undefined);
    if (!keep && !options.workdir) await rm(workdir, { recursive: true, force: true }).catch(() => undefined);
    else if (!keep) await rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
}
