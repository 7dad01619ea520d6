/**
 * The repositories of a compose: `.repo` files next to the treefile, the ids the treefile's `repos` names,
 * their rpm-md metadata (repomd.xml + primary, every checksum verified by @tsostree/rpmdb), and the
 * OpenPGP keys of `gpgcheck` repos.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptError, NotFoundError, UnsupportedError, fromSystemError, isTsostreeError, throwIfAborted, withContext } from '@tsostree/errors';
import { decompress, detectCompression, readPrimary, readRepoMd, repoData, type RepoMd, type RepoSource, type RpmMdPackage } from '@tsostree/rpmdb';
import { parseRepoFile, type RepoConfig } from './format/repo-file.js';
import type { Treefile } from './format/treefile-types.js';
import { fetchBytes, joinUrl } from './url-fetch.js';

export interface LoadedRepo {
  config: RepoConfig;
  /** The base URL that answered. */
  baseurl: string;
  repomd: RepoMd;
  packages: RpmMdPackage[];
  /** primary.xml as the solver takes it (raw or gzip). */
  primary: Uint8Array;
  /** Newest `<timestamp>` in repomd.xml (what rpm-ostree records in `rpmostree.rpmmd-repos`). */
  timestamp: number;
  /** OpenPGP keys from `gpgkey` (when `gpgcheck`): armored text as a string, binary keys as bytes. */
  keys: (string | Uint8Array)[];
}

export type RepoLoadProgress = { phase: 'metadata'; repo: string; document: string; bytes: number; packages: number };

export interface LoadReposOptions {
  signal?: AbortSignal;
  onProgress?: (event: RepoLoadProgress) => void;
  /** Metadata files larger than this are refused (default 1 GiB). */
  maxMetadataBytes?: number;
}

/** Reads every `*.repo` file in `dir` (sorted by name) with the treefile's variables. */
export async function readRepoFiles(dir: string, treefile: Treefile): Promise<RepoConfig[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.repo')).sort();
  } catch (err) {
    throw fromSystemError(err, dir);
  }
  const vars: Record<string, string> = { ...treefile.repovars, basearch: treefile.basearch, arch: treefile.basearch };
  if (treefile.releasever !== undefined) vars['releasever'] = String(treefile.releasever);
  const all: RepoConfig[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw fromSystemError(err, path);
    }
    for (const repo of parseRepoFile(text, path, vars)) {
      const dup = all.find((r) => r.id === repo.id);
      if (dup) throw new CorruptError(`repo ${repo.id} is defined in ${dup.source} and ${repo.source}`, { data: { repo: repo.id } });
      all.push(repo);
    }
  }
  return all;
}

/** A RepoSource over a base URL that keeps what it read, so the solver gets the very bytes that were verified. */
class CachingSource implements RepoSource {
  readonly files = new Map<string, Uint8Array>();
  constructor(
    private readonly baseurl: string,
    private readonly maxBytes: number,
  ) {}

  async *open(href: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    let bytes = this.files.get(href);
    if (!bytes) {
      bytes = await fetchBytes(joinUrl(this.baseurl, href), { signal, maxBytes: this.maxBytes });
      this.files.set(href, bytes);
    }
    yield bytes;
  }
}

async function toSolverBytes(bytes: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
  const kind = detectCompression(bytes);
  if (kind === 'none' || kind === 'gzip') return bytes;
  const chunks: Uint8Array[] = [];
  for await (const c of decompress((async function* () { yield bytes; })(), kind, { signal })) chunks.push(c);
  return Buffer.concat(chunks);
}

async function loadOne(config: RepoConfig, options: LoadReposOptions): Promise<LoadedRepo> {
  const max = options.maxMetadataBytes ?? 1024 * 1024 * 1024;
  let lastError: unknown;
  for (const baseurl of config.baseurls) {
    throwIfAborted(options.signal);
    const source = new CachingSource(baseurl, max);
    try {
      const repomd = await readRepoMd(source, { signal: options.signal });
      const primaryData = repoData(repomd, 'primary');
      const packages: RpmMdPackage[] = [];
      for await (const pkg of readPrimary(source, {
        repomd,
        signal: options.signal,
        onProgress: (e) => options.onProgress?.({ phase: 'metadata', repo: config.id, document: e.document, bytes: e.bytes, packages: e.packages }),
      })) {
        packages.push(pkg);
      }
      const primary = await toSolverBytes(source.files.get(primaryData.location.href)!, options.signal);
      const timestamp = Math.max(0, ...repomd.data.map((d) => d.timestamp ?? 0));
      const keys: (string | Uint8Array)[] = [];
      if (config.gpgcheck) {
        if (config.gpgkeys.length === 0) {
          throw new UnsupportedError(`repo ${config.id}: gpgcheck is on but no gpgkey is configured`, { data: { repo: config.id } });
        }
        for (const key of config.gpgkeys) {
          const bytes = await fetchBytes(key, { signal: options.signal, maxBytes: 16 * 1024 * 1024 });
          const text = Buffer.from(bytes).toString('latin1');
          // A key file may hold several armored blocks (dnf accepts that): pass each one.
          const blocks = text.match(/-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g);
          if (blocks) keys.push(...blocks);
          else keys.push(bytes);
        }
      }
      return { config, baseurl, repomd, packages, primary, timestamp, keys };
    } catch (err) {
      if (isTsostreeError(err, 'Aborted')) throw err;
      lastError = err;
    }
  }
  throw withContext(`repo ${config.id} (${config.baseurls.join(' ') || 'no baseurl'})`, lastError ?? new NotFoundError('no baseurl'));
}

/**
 * Loads the repositories `treefile.repos` names from the `.repo` files in `dir`. An id that no file defines
 * is a `NotFoundError`; a repo whose metadata cannot be read fails the compose unless `skip_if_unavailable`.
 */
export async function loadRepos(dir: string, treefile: Treefile, options: LoadReposOptions = {}): Promise<LoadedRepo[]> {
  const configs = await readRepoFiles(dir, treefile);
  const wanted = [...new Set(treefile.repos)];
  const selected = wanted.map((id) => {
    const c = configs.find((r) => r.id === id);
    if (!c) {
      throw new NotFoundError(`repo "${id}" is not defined in any .repo file in ${dir} (found: ${configs.map((r) => r.id).join(', ') || 'none'})`, {
        data: { repo: id, dir },
      });
    }
    return c;
  });
  const loaded = await Promise.all(
    selected.map(async (c) => {
      try {
        return await loadOne(c, options);
      } catch (err) {
        if (c.skipIfUnavailable && !isTsostreeError(err, 'Aborted')) return undefined;
        throw err;
      }
    }),
  );
  return loaded.filter((r): r is LoadedRepo => r !== undefined);
}
