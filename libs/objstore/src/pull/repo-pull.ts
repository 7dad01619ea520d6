import { rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CorruptError, InvalidArgumentError, NotFoundError, UnsupportedError, fromSystemError, withContext } from '@tsostree/errors';
import { isChecksum } from '../format/object-path.js';
import { parseSummary, SUMMARY_KEYS, type Summary } from '../format/summary.js';
import { KeyFile } from '../keyfile.js';
import { withRepoLock } from '../repo-lock.js';
import { cleanupRepoTmp } from '../repo-tmp-cleanup.js';
import { assertRefName, readRef, writeRef, listRefs, type RefSpec, formatRefspec } from '../repo-refs.js';
import { getRemote, type Remote } from '../repo-remotes.js';
import { Repo, parseRepoMode } from '../repo.js';
import { Fetcher, type FetcherOptions } from './fetcher.js';
import { PullEngine, type PullEngineOptions, type PullProgress } from './pull-engine.js';
import { HttpPullSource, LocalPullSource, type PullSource } from './pull-source.js';
import type { RemoteVerifyOptions } from '../sign/remote-verify.js';
import { defaultRemoteVerifier, type PullVerifier } from './pull-verify.js';
import { pullStaticDelta } from '../delta/delta-pull.js';
import type { DirTree } from '../format/dirtree.js';

export interface PullCommonOptions {
  /** Parents to follow: 0 = the commit only (default), -1 = the whole history. */
  depth?: number;
  /** Only commit objects and detached metadata (`--commit-metadata-only`); the commits stay partial. */
  commitMetadataOnly?: boolean;
  /** Only these directories of the tree (`--subpath`); the commits stay partial. */
  subpaths?: string[];
  /** Fetches in flight (default 16). */
  concurrency?: number;
  /** Objects per write transaction between flushes (default 100,000; see PullEngineOptions). */
  flushEvery?: number;
  /** Flush at least this often (default 60 s). */
  flushIntervalMs?: number;
  /** Content files of bare-user / bare-user-only pulls on a second thread: forced on / off (see PullEngineOptions). */
  writeThread?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: PullProgress) => void;
}

export interface PullOptions extends PullCommonOptions {
  /** Refs (or commit checksums) to pull; default: the remote's `branches=`, or every ref with `mirror`. */
  refs?: string[];
  /** Write `refs/heads/REF` instead of `refs/remotes/REMOTE/REF`; with no refs, pull all and copy the summary. */
  mirror?: boolean;
  /** Overrides the remote's `url` (`--url`). */
  url?: string;
  /** Retries per object after the first attempt (default 5). */
  retries?: number;
  /** Stall timeout per request in ms (default 30 s). */
  timeoutMs?: number;
  /** Time limit per object, retries included, in ms (default 5 min). */
  timeLimitMs?: number;
  /** First retry delay in ms (default 100, doubling). */
  backoffMs?: number;
  /**
   * Signature checks. Default: the remote's own settings (gpg-verify, sign-verify…); `null`
   * disables verification explicitly.
   */
  verifier?: PullVerifier | null;
  /** Where the default verifier finds system keys, and overrides of the remote's gpg-verify settings. */
  signatureOptions?: RemoteVerifyOptions;
  /** Use a static delta when the remote offers one (default true; `--disable-static-deltas`). */
  staticDeltas?: boolean;
  /**
   * Fail unless every commit that is not already complete locally comes through a static delta
   * (`--require-static-deltas`); also applies to file:// remotes, which otherwise copy objects.
   */
  requireStaticDeltas?: boolean;
  /** Extra HTTP request headers (`--http-header=NAME=VALUE`). */
  httpHeaders?: Record<string, string>;
}

export interface PulledRef {
  /** `remote:ref`, or `ref` for mirror and local pulls. */
  ref: string;
  checksum: string;
  /** What the ref pointed at before, if anything. */
  previous?: string;
}

export interface PullResult {
  refs: PulledRef[];
  /** The commits pulled (resolved from the refs). */
  commits: string[];
  /** Commits left partial on purpose (subpath, metadata-only). */
  partialCommits: string[];
  metadataFetched: number;
  contentFetched: number;
  bytesTransferred: number;
  requests: number;
  retries: number;
  /** Static deltas applied (names), when any was used. */
  staticDeltas?: string[];
  /** Delta parts fetched and applied, when a static delta was used. */
  staticDeltaParts?: number;
}

/** `mirrorlist=URL` → the list's mirrors; a plain URL → itself. */
async function resolveUrlSpec(spec: string, options: Omit<FetcherOptions, 'baseUrls'>): Promise<string[]> {
  const trimmed = spec.trim();
  if (!trimmed.startsWith('mirrorlist=')) return [trimmed];
  const listUrl = trimmed.slice('mirrorlist='.length);
  const fetcher = new Fetcher({ ...options, baseUrls: [listUrl] });
  let bytes: Uint8Array;
  try {
    bytes = await fetcher.fetch('', { maxSize: 1024 * 1024, what: 'mirrorlist' });
  } finally {
    await fetcher.close();
  }
  const urls: string[] = [];
  for (const line of Buffer.from(bytes).toString('utf8').split('\n')) {
    const u = line.trim();
    if (u === '' || u.startsWith('#')) continue;
    try {
      const parsed = new URL(u);
      if (['http:', 'https:', 'file:'].includes(parsed.protocol)) urls.push(u);
    } catch {
      // ostree skips lines that are not URLs
    }
  }
  if (urls.length === 0) throw new CorruptError(`mirrorlist ${listUrl} lists no usable mirror`, { data: { url: listUrl } });
  return urls;
}

function summaryString(summary: Summary, key: string): string | undefined {
  const v = summary.metadata.find(([k]) => k === key)?.[1];
  return v && v.type === 's' ? (v.value as string) : undefined;
}

async function checkRemoteMode(fetcher: Fetcher, summary: Summary | undefined): Promise<void> {
  let mode = summary ? summaryString(summary, SUMMARY_KEYS.mode) : undefined;
  if (mode === undefined) {
    const config = await fetcher.fetch('config', { allow404: true, maxSize: 1024 * 1024, what: 'remote config' });
    if (config) {
      try {
        mode = KeyFile.parse(Buffer.from(config).toString('utf8')).getString('core', 'mode') ?? 'bare';
      } catch (error) {
        throw new CorruptError(`the remote's config at ${fetcher.url('config')} is malformed`, { cause: error });
      }
    }
  }
  if (mode !== undefined && parseRepoMode(mode.trim()) !== 'archive') {
    throw new UnsupportedError(`cannot pull over HTTP from a repository in mode ${mode.trim()} (${fetcher.url('')}); only archive repositories can be served`, {
      data: { mode },
    });
  }
}

async function resolveRefs(
  fetcher: Fetcher,
  summary: Summary | undefined,
  refs: readonly string[],
  remoteName: string,
): Promise<{ ref?: string; checksum: string }[]> {
  const out: { ref?: string; checksum: string }[] = [];
  for (const r of refs) {
    if (isChecksum(r)) {
      out.push({ checksum: r });
      continue;
    }
    assertRefName(r);
    if (summary) {
      const hit = summary.refs.find((s) => s.name === r);
      if (!hit) throw new NotFoundError(`No such branch "${r}" in the summary of remote "${remoteName}"`, { data: { remote: remoteName, ref: r } });
      out.push({ ref: r, checksum: hit.checksum });
      continue;
    }
    const bytes = await fetcher.fetch(`refs/heads/${r}`, { maxSize: 4096, what: `ref ${r}` });
    const text = Buffer.from(bytes).toString('utf8').trim();
    if (!isChecksum(text)) throw new CorruptError(`ref ${r} at ${fetcher.url(`refs/heads/${r}`)} does not hold a checksum`, { data: { ref: r } });
    out.push({ ref: r, checksum: text });
  }
  return out;
}

async function writeAtomically(repo: Repo, name: string, bytes: Uint8Array): Promise<void> {
  const tmp = repo.resolve(`.${name}.tmp-${process.pid}`);
  try {
    await writeFile(tmp, bytes, { mode: 0o644 });
    await rename(tmp, repo.resolve(name));
  } catch (error) {
    throw fromSystemError(error, `writing ${name}`);
  }
}

async function runEngine(
  repo: Repo,
  source: PullSource,
  commits: string[],
  options: PullCommonOptions,
  verifier: PullVerifier | undefined,
  bytes: () => number,
  abort?: AbortController,
  fromDeltas?: Pick<PullEngineOptions, 'knownDirTrees' | 'pending' | 'bases'>,
): Promise<PullEngine> {
  const engineOptions: PullEngineOptions = {
    depth: options.depth,
    commitMetadataOnly: options.commitMetadataOnly,
    subpaths: options.subpaths,
    concurrency: options.concurrency,
    flushEvery: options.flushEvery,
    flushIntervalMs: options.flushIntervalMs,
    writeThread: options.writeThread,
    verifier,
    signal: options.signal,
    onProgress: options.onProgress,
    bytesTransferred: bytes,
    ...fromDeltas,
  };
  const engine = new PullEngine(repo, source, engineOptions);
  if (abort) engine.signal.addEventListener('abort', () => abort.abort(engine.signal.reason), { once: true });
  await engine.run(commits);
  return engine;
}

async function moveRefs(repo: Repo, wanted: { spec: RefSpec; checksum: string }[]): Promise<PulledRef[]> {
  const out: PulledRef[] = [];
  for (const { spec, checksum } of wanted) {
    const previous = await readRef(repo, spec);
    if (previous !== checksum) await writeRef(repo, spec, checksum);
    out.push({ ref: formatRefspec(spec), checksum, ...(previous ? { previous } : {}) });
  }
  return out;
}

/**
 * Pulls refs from a configured remote (`ostree pull REMOTE [REF…]`): resolves them from the
 * summary or `refs/heads/`, fetches and verifies every missing object, then moves the refs —
 * only after everything is stored. A failed pull keeps what it verified; the next one resumes.
 */
export async function pullRemote(repo: Repo, remoteName: string, options: PullOptions = {}): Promise<PullResult> {
  const remote: Remote = getRemote(repo, remoteName);
  if (remote.options['unconfigured-state']) {
    throw new InvalidArgumentError(`remote "${remoteName}" is not configured: ${remote.options['unconfigured-state']}`, { data: { remote: remoteName } });
  }
  if (options.requireStaticDeltas && options.staticDeltas === false) {
    throw new InvalidArgumentError("Can't specify both --disable-static-deltas and --require-static-deltas");
  }
  if (options.requireStaticDeltas && (options.commitMetadataOnly || options.subpaths?.length)) {
    throw new InvalidArgumentError('static deltas cannot be required with --commit-metadata-only or --subpath');
  }
  const verifier = options.verifier === undefined ? defaultRemoteVerifier(repo, remote, options.signatureOptions) : (options.verifier ?? undefined);
  const fetcherOptions: Omit<FetcherOptions, 'baseUrls'> = {
    ...(options.httpHeaders ? { headers: options.httpHeaders } : {}),
    concurrency: options.concurrency,
    retries: options.retries,
    timeoutMs: options.timeoutMs,
    timeLimitMs: options.timeLimitMs,
    backoffMs: options.backoffMs,
    signal: options.signal,
  };
  const urls = await resolveUrlSpec(options.url ?? remote.url, fetcherOptions);
  const contentSpec = remote.options.contenturl;
  const contentUrls = contentSpec ? await resolveUrlSpec(contentSpec, fetcherOptions) : undefined;

  // The engine's abort signal (first failure) also stops the fetchers' requests in flight.
  const abort = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
  const fetcher = new Fetcher({ ...fetcherOptions, baseUrls: urls, signal });
  const contentFetcher = contentUrls ? new Fetcher({ ...fetcherOptions, baseUrls: contentUrls, signal }) : fetcher;
  let source: PullSource | undefined;
  try {
    const summaryBytes = await fetcher.fetch('summary', { allow404: true, what: 'summary' });
    const wantSig = verifier?.verifySummary !== undefined || (options.mirror && !options.refs?.length);
    const sigBytes = wantSig ? await fetcher.fetch('summary.sig', { allow404: true, what: 'summary signature' }) : undefined;
    if (verifier?.verifySummary) await verifier.verifySummary(summaryBytes, sigBytes);
    let summary: Summary | undefined;
    if (summaryBytes) {
      try {
        summary = parseSummary(summaryBytes);
      } catch (error) {
        throw withContext(`summary of remote "${remoteName}" (${fetcher.url('summary')})`, error);
      }
    }
    await checkRemoteMode(fetcher, summary);

    let wanted = options.refs?.length ? options.refs : options.mirror ? undefined : remote.branches;
    if (wanted === undefined) {
      if (!summary) throw new NotFoundError(`Fetching all refs of remote "${remoteName}" needs a summary, and it has none`, { data: { remote: remoteName } });
      wanted = summary.refs.map((r) => r.name);
    }
    if (wanted.length === 0) {
      throw new InvalidArgumentError(`No refs to pull from remote "${remoteName}": name them, or configure branches= for it`, { data: { remote: remoteName } });
    }
    const resolved = await resolveRefs(fetcher, summary, wanted, remoteName);

    const local = urls.length === 1 && urls[0]!.startsWith('file:') && !contentUrls;
    source = local ? new LocalPullSource(repo, await Repo.open(fileURLToPath(urls[0]!))) : new HttpPullSource(repo, fetcher, contentFetcher);
    const src = source;
    const bytes = (): number => fetcher.stats.bytes + (contentFetcher !== fetcher ? contentFetcher.stats.bytes : 0);

    return await withRepoLock(
      repo.path,
      'shared',
      async () => {
        await cleanupRepoTmp(repo);
        const commits = [...new Set(resolved.map((r) => r.checksum))];
        // Static deltas first (src/delta/delta-pull.ts); the engine then fetches whatever is still missing.
        const deltasUsed: string[] = [];
        let deltaParts = 0;
        const knownDirTrees = new Map<string, DirTree>();
        // The complete commit each delta was made from: the walk skips what the new commit shares with it.
        const bases = new Map<string, string>();
        // The last delta's objects are committed while the engine walks (it takes them as present).
        const pending = { objects: new Set<string>(), commits: new Map<string, { bytes: Uint8Array; detached?: Uint8Array }>(), done: Promise.resolve() };
        const required = options.requireStaticDeltas === true;
        let engine: PullEngine;
        try {
          if ((!local || required) && options.staticDeltas !== false && !options.commitMetadataOnly && !options.subpaths?.length) {
            const tried = new Set<string>();
            for (const r of resolved) {
              if (tried.has(r.checksum)) continue;
              tried.add(r.checksum);
              // One delta at a time: the next one sees the previous one's objects in objects/.
              await pending.done;
              const previous = r.ref !== undefined ? await readRef(repo, options.mirror ? { ref: r.ref } : { remote: remoteName, ref: r.ref }) : undefined;
              const d = await pullStaticDelta(repo, fetcher, summary, r.checksum, previous, verifier, signal, required ? { ref: r.ref } : undefined);
              if (d) {
                deltasUsed.push(d.name);
                deltaParts += d.partsApplied;
                for (const [checksum, tree] of d.dirTrees) knownDirTrees.set(checksum, tree);
                for (const key of d.staged) pending.objects.add(key);
                pending.commits.set(d.to, d.commit);
                pending.done = d.committed;
                if (d.from) bases.set(d.to, d.from);
              }
            }
          }
          engine = await runEngine(repo, src, commits, options, verifier, bytes, abort, {
            ...(knownDirTrees.size > 0 ? { knownDirTrees } : {}),
            ...(bases.size > 0 ? { bases } : {}),
            ...(pending.commits.size > 0 ? { pending } : {}),
          });
        } finally {
          // Never return (or throw) while a delta's objects are still being committed.
          await pending.done.catch(() => undefined);
        }
        const refs = await moveRefs(
          repo,
          resolved.filter((r) => r.ref !== undefined).map((r) => ({ spec: options.mirror ? { ref: r.ref! } : { remote: remoteName, ref: r.ref! }, checksum: r.checksum })),
        );
        if (options.mirror && !options.refs?.length && summaryBytes) {
          await writeAtomically(repo, 'summary', summaryBytes);
          if (sigBytes) await writeAtomically(repo, 'summary.sig', sigBytes);
        }
        const stats = [fetcher.stats, ...(contentFetcher !== fetcher ? [contentFetcher.stats] : [])];
        return {
          refs,
          commits,
          partialCommits: engine.partialCommits,
          metadataFetched: engine.progress.metadataFetched,
          contentFetched: engine.progress.contentFetched,
          bytesTransferred: bytes(),
          requests: stats.reduce((a, s) => a + s.requests, 0),
          retries: stats.reduce((a, s) => a + s.retries, 0),
          ...(deltasUsed.length > 0 ? { staticDeltas: deltasUsed, staticDeltaParts: deltaParts } : {}),
        };
      },
      options.signal ? { signal: options.signal } : {},
    );
  } finally {
    await fetcher.close();
    if (contentFetcher !== fetcher) await contentFetcher.close();
  }
}

export interface PullLocalOptions extends PullCommonOptions {
  /** Refs of the source repository to copy (default: all of its branches). Checksums are allowed. */
  refs?: string[];
  /** Write the refs as `refs/remotes/REMOTE/…` instead of local branches (`--remote`). */
  remote?: string;
}

/**
 * Copies refs and their objects from another repository on this machine, of any mode
 * (`ostree pull-local`). Every object is verified before it is stored; refs move last.
 */
export async function pullLocal(repo: Repo, sourcePath: string, options: PullLocalOptions = {}): Promise<PullResult> {
  const source = await Repo.open(sourcePath);
  const wanted = options.refs?.length ? options.refs : [...(await listRefs(source, { remotes: false })).keys()];
  const resolved: { ref?: string; checksum: string }[] = [];
  for (const r of wanted) {
    if (isChecksum(r)) {
      resolved.push({ checksum: r });
      continue;
    }
    const checksum = await readRef(source, r);
    if (!checksum) throw new NotFoundError(`Refspec "${r}" not found in ${source.path}`, { data: { ref: r, repo: source.path } });
    resolved.push({ ref: r.includes(':') ? r.slice(r.indexOf(':') + 1) : r, checksum });
  }
  const src = new LocalPullSource(repo, source);
  return withRepoLock(
    repo.path,
    'shared',
    async () => {
      await cleanupRepoTmp(repo);
      const commits = [...new Set(resolved.map((r) => r.checksum))];
      const engine = await runEngine(repo, src, commits, options, undefined, () => 0);
      const refs = await moveRefs(
        repo,
        resolved.filter((r) => r.ref !== undefined).map((r) => ({ spec: options.remote ? { remote: options.remote, ref: r.ref! } : { ref: r.ref! }, checksum: r.checksum })),
      );
      return {
        refs,
        commits,
        partialCommits: engine.partialCommits,
        metadataFetched: engine.progress.metadataFetched,
        contentFetched: engine.progress.contentFetched,
        bytesTransferred: 0,
        requests: 0,
        retries: 0,
      };
    },
    options.signal ? { signal: options.signal } : {},
  );
}
