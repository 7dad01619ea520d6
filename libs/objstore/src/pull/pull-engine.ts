import { lstatSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, NotFoundError, fromSystemError, isTsostreeError, throwIfAborted } from '@tsostree/errors';
import { parseCommit } from '../format/commit.js';
import { parseDirTree, type DirTree } from '../format/dirtree.js';
import type { ObjectType } from '../format/object-path.js';
import { ContentWriter, makeStagingDir } from '../content-writer.js';
import { isPartial } from '../repo-fsck.js';
import { WriteTxn, hasObject, objectPath, readCommitMeta, readMetadataObject, readMetadataObjectSync, writeCommitMeta } from '../repo-objects.js';
import { LoosePresence } from './loose-presence.js';
import { storeMetadataSync, type PullStaging } from './pull-store.js';
import type { Repo } from '../repo.js';
import type { PullMetadataType, PullSource } from './pull-source.js';
import type { PullVerifier } from './pull-verify.js';
import { nodeXattrs } from '../xattrs.js';

/**
 * The object walk of pull (ostree-repo-pull.c's scan/fetch loop): commits, then their trees,
 * fetching whatever is missing with many requests in flight, metadata ahead of content. Objects are
 * staged in write transactions that are flushed (fsync + rename into `objects/`) every few
 * thousand objects and at the end — also when the pull fails, so verified objects are kept and a
 * later pull does not fetch them again. A commit being fetched is marked
 * `state/<checksum>.commitpartial` before anything of it is stored; the mark goes only after all
 * of its objects are flushed. Refs are the caller's business, after {@link PullEngine.run}.
 */

export interface PullProgress {
  /** Commits scanned so far. */
  commits: number;
  /** Metadata objects fetched (commit, dirtree, dirmeta). */
  metadataFetched: number;
  /** Content objects fetched. */
  contentFetched: number;
  /** Objects found missing and queued (fetched or not yet). */
  requested: number;
  /** Bytes received so far (all attempts). */
  bytesTransferred: number;
}

export interface PullEngineOptions {
  /** Parents to follow: 0 = the commit only (default), -1 = all. */
  depth?: number;
  /** Fetch commit objects (and detached metadata) only; the commits stay partial. */
  commitMetadataOnly?: boolean;
  /** Fetch only these directories (absolute paths in the tree), plus the dirtrees leading to them. */
  subpaths?: string[];
  /** Fetch jobs in flight (default 16). */
  concurrency?: number;
  /**
   * Objects per write transaction before it is flushed (default 100,000). Each flush makes the
   * filesystem durable (syncfs), which stalls writers, so flushes are rare: at the end, on failure,
   * and by count or time for crash safety of very long pulls.
   */
  flushEvery?: number;
  /** Also flush when the open transaction is older than this (default 60 s). */
  flushIntervalMs?: number;
  /**
   * bare-user / bare-user-only targets (default xattr port): content objects are inflated, hashed and written on a
   * second thread (content-writer.ts) once the pull has fetched {@link WRITE_THREAD_MIN_FILES} of them, when there is
   * a second core. true / false force it on (from the first object) / off.
   */
  writeThread?: boolean;
  verifier?: PullVerifier;
  signal?: AbortSignal;
  onProgress?: (event: PullProgress) => void;
  /** Bytes received so far, for progress events. */
  bytesTransferred?: () => number;
  /**
   * Dirtrees already verified and parsed by this pull (a static delta carries the new ones): the
   * walk still requires them in the repository but takes their contents from here.
   */
  knownDirTrees?: ReadonlyMap<string, DirTree>;
  /**
   * For a commit of this pull that a static delta brought in, the complete local commit the delta
   * was made from (`from`). The walk of the new commit then skips what is identical to that commit
   * at the same path — a subdirectory with the same dirtree and dirmeta, a file with the same name
   * and checksum — since every object of a complete (not partial) commit is in the repository, the
   * invariant ostree's pull relies on (it does not walk a delta's commit at all). Everything the delta
   * had to bring is still checked, and fetched if missing. Ignored with subpaths.
   */
  bases?: ReadonlyMap<string, string>;
  /**
   * What a static delta of this pull staged and is still committing (syncfs, renames) while the
   * walk runs: `objects` (`CHECKSUM.TYPE`, verified by the delta) count as present and are never
   * read from disk, `commits` give the new commits' bytes and detached metadata, and the engine
   * waits for `done` (and fails with it) before its final flush and before clearing partial marks.
   */
  pending?: {
    objects: ReadonlySet<string>;
    commits: ReadonlyMap<string, { bytes: Uint8Array; detached?: Uint8Array }>;
    done: Promise<void>;
  };
}

const HIGH = 0;
const LOW = 1;

/** A counting semaphore with two priority levels. */
class PriorityLimiter {
  private active = 0;
  private readonly queues: (() => void)[][] = [[], []];
  constructor(private readonly max: number) {}
  async run<T>(priority: number, fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.queues[priority]!.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.queues[HIGH]!.shift() ?? this.queues[LOW]!.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Tracks spawned tasks (which may spawn more); keeps the first error and aborts the rest. */
class TaskGroup {
  private pending = 0;
  private error: { value: unknown } | undefined;
  private idle: (() => void) | undefined;
  readonly controller = new AbortController();

  get failed(): boolean {
    return this.error !== undefined;
  }

  spawn(fn: () => Promise<void>): void {
    if (this.error) return;
    this.pending++;
    fn()
      .catch((e: unknown) => this.fail(e))
      .finally(() => {
        if (--this.pending === 0) this.idle?.();
      });
  }

  fail(e: unknown): void {
    if (this.error) return;
    this.error = { value: e };
    this.controller.abort(e);
  }

  async wait(): Promise<void> {
    if (this.pending > 0) await new Promise<void>((r) => (this.idle = r));
    if (this.error) throw this.error.value;
  }
}

/** Content objects a pull fetches before it starts its write thread (small pulls do not pay its start). */
export const WRITE_THREAD_MIN_FILES = 256;

interface TxnSlot {
  txn: WriteTxn;
  inflight: number;
  count: number;
  sealed: boolean;
  opened: number;
  idle?: () => void;
}

export class PullEngine {
  private slot: TxnSlot;
  private flushing: Promise<void> = Promise.resolve();
  private readonly seen = new Set<string>();
  private readonly presence: LoosePresence;
  private readonly limiter: PriorityLimiter;
  private readonly group = new TaskGroup();
  /** Commits whose whole tree was walked in this run (their partial mark goes at the end). */
  private readonly completed = new Set<string>();
  /** Commits marked partial by this run (or found partial). */
  private readonly partial = new Set<string>();
  private readonly depth: number;
  private readonly flushEvery: number;
  private readonly flushIntervalMs: number;
  private readonly subpaths: string[] | undefined;
  private lastProgress = 0;
  private readonly contentQueue: string[] = [];
  private contentHead = 0;
  private contentWorkers = 0;
  private readonly maxContentWorkers: number;
  /** This run's staging directory (made by {@link run}) and write thread (started by {@link contentStaging}). */
  private staging: (PullStaging & { dir: string }) | undefined;
  /** Whether the write thread may still be started. */
  private writerWanted: boolean;
  /** The second write thread, for big objects ({@link PullStaging.bulkWriter}). */
  private bulkWriter: ContentWriter | undefined;
  readonly progress: PullProgress = { commits: 0, metadataFetched: 0, contentFetched: 0, requested: 0, bytesTransferred: 0 };

  constructor(
    private readonly repo: Repo,
    private readonly source: PullSource,
    private readonly options: PullEngineOptions = {},
  ) {
    this.depth = options.depth ?? 0;
    this.flushEvery = options.flushEvery ?? 100_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 60_000;
    this.maxContentWorkers = Math.max(1, (options.concurrency ?? 16) * 2);
    this.limiter = new PriorityLimiter(this.maxContentWorkers);
    this.subpaths = options.subpaths?.map(normalizeSubpath);
    this.slot = this.newSlot();
    this.presence = new LoosePresence(repo);
    const threadable = repo.mode === 'bare-user-only' || (repo.mode === 'bare-user' && repo.xattrs === nodeXattrs);
    this.writerWanted = threadable && (options.writeThread ?? availableParallelism() > 1);
    options.signal?.addEventListener('abort', () => this.group.fail(options.signal!.reason), { once: true });
  }

  /** Aborted when the walk fails (pass it to fetchers so requests in flight stop). */
  get signal(): AbortSignal {
    return this.group.controller.signal;
  }

  /** Commits left partial (subpath or metadata-only pulls, or a failed run). */
  get partialCommits(): string[] {
    return [...this.partial].filter((c) => !this.completed.has(c));
  }

  /**
   * Fetches everything the commits need. On success every object is in `objects/` and the
   * commits' partial marks are gone; on failure the verified objects are still flushed.
   */
  async run(commits: readonly string[]): Promise<void> {
    let dir: string;
    try {
      dir = makeStagingDir(this.repo, 'stage');
    } catch (error) {
      throw fromSystemError(error, 'creating a staging directory');
    }
    let n = 0;
    this.staging = { dir, tmpPath: () => join(dir, (n++).toString(36)) };
    for (const c of commits) this.group.spawn(() => this.scanCommit(c, this.depth, false));
    let failure: unknown;
    try {
      await this.group.wait();
    } catch (error) {
      failure = error;
    }
    try {
      await this.options.pending?.done;
    } catch (error) {
      failure ??= error;
    }
    try {
      await this.flush();
    } catch (error) {
      failure ??= error;
    }
    await Promise.all([this.staging.writer?.close(), this.bulkWriter?.close()]);
    // Empty after the last commit (every staged file was renamed into objects/); what a failed pull verified but
    // had not staged goes with it.
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    this.emit(true);
    if (failure !== undefined) {
      if (this.options.signal?.aborted) throwIfAborted(this.options.signal);
      throw failure;
    }
    for (const c of this.completed) await this.clearPartial(c);
  }

  private newSlot(): TxnSlot {
    return { txn: new WriteTxn(this.repo), inflight: 0, count: 0, sealed: false, opened: Date.now() };
  }

  /** Runs a store under the current transaction; seals and flushes it when it is full. */
  private async stage(fn: (txn: WriteTxn) => Promise<unknown>): Promise<void> {
    const slot = this.slot;
    slot.inflight++;
    try {
      await fn(slot.txn);
      slot.count++;
    } finally {
      slot.inflight--;
      if (slot.sealed && slot.inflight === 0) slot.idle?.();
    }
    if (slot === this.slot && (slot.count >= this.flushEvery || Date.now() - slot.opened >= this.flushIntervalMs)) void this.sealAndCommit().catch(() => undefined);
  }

  private sealAndCommit(): Promise<void> {
    const old = this.slot;
    this.slot = this.newSlot();
    old.sealed = true;
    const idle = old.inflight === 0 ? Promise.resolve() : new Promise<void>((r) => (old.idle = r));
    this.flushing = this.flushing.then(async () => {
      // Every file staged in it exists: the write thread's files are staged once it has created them.
      await idle;
      await old.txn.commit();
    });
    // A failed flush fails the pull (the next flush() call rethrows it too).
    this.flushing.catch((e: unknown) => this.group.fail(e));
    return this.flushing;
  }

  private async flush(): Promise<void> {
    await this.sealAndCommit();
  }

  private emit(force = false): void {
    if (!this.options.onProgress) return;
    const now = Date.now();
    if (!force && now - this.lastProgress < 100) return;
    this.lastProgress = now;
    this.progress.bytesTransferred = this.options.bytesTransferred?.() ?? 0;
    this.options.onProgress({ ...this.progress });
  }

  private async markPartial(commit: string): Promise<void> {
    this.partial.add(commit);
    try {
      await mkdir(this.repo.resolve('state'), { recursive: true, mode: 0o755 });
      await writeFile(this.repo.resolve('state', `${commit}.commitpartial`), '', { mode: 0o644 });
    } catch (error) {
      throw fromSystemError(error, `marking commit ${commit} partial`);
    }
  }

  private async clearPartial(commit: string): Promise<void> {
    try {
      await rm(this.repo.resolve('state', `${commit}.commitpartial`), { force: true });
    } catch (error) {
      throw fromSystemError(error, `clearing the partial mark of commit ${commit}`);
    }
  }

  /** A metadata object from the repository, or fetched, verified and staged. */
  private async metadata(type: PullMetadataType, checksum: string): Promise<Uint8Array> {
    if (hasObjectSync(this.repo, type, checksum)) return readMetadataObjectSync(this.repo, type, checksum);
    const bytes = await this.limiter.run(HIGH, () => this.source.metadata(type, checksum));
    await this.stage(async (txn) => storeMetadataSync(this.repo, type, checksum, bytes, txn, this.staging));
    this.progress.metadataFetched++;
    this.emit();
    return bytes;
  }

  private async scanCommit(checksum: string, depth: number, isParent: boolean): Promise<void> {
    const key = `${checksum}.commit`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    throwIfAborted(this.signal);
    const pending = this.options.pending?.commits.get(checksum);
    const present = pending !== undefined || (await hasObject(this.repo, 'commit', checksum));
    const partial = present && (await isPartial(this.repo, checksum));
    let bytes: Uint8Array;
    if (present) {
      bytes = pending ? pending.bytes : await readMetadataObject(this.repo, 'commit', checksum);
      if (partial) this.partial.add(checksum);
      // Like ostree, a commit already in the repository (pulled earlier, maybe through another
      // remote) is checked too, from its stored detached metadata: no ref moves to a commit this
      // remote's signature policy did not accept.
      const verifyCommit = this.options.verifier?.verifyCommit;
      if (verifyCommit) await verifyCommit(checksum, bytes, pending ? pending.detached : await readCommitMeta(this.repo, checksum));
    } else {
      try {
        bytes = await this.limiter.run(HIGH, () => this.source.metadata('commit', checksum));
      } catch (error) {
        // Like ostree, a history shallower than --depth is fine: the parent simply is not there.
        if (isParent && isTsostreeError(error, NotFoundError.code)) return;
        throw error;
      }
      const detached = await this.limiter.run(HIGH, () => this.source.commitMeta(checksum));
      await this.options.verifier?.verifyCommit?.(checksum, bytes, detached);
      await this.markPartial(checksum);
      if (detached) await writeCommitMeta(this.repo, checksum, detached);
      await this.stage(async (txn) => storeMetadataSync(this.repo, 'commit', checksum, bytes, txn, this.staging));
      this.progress.metadataFetched++;
    }
    this.progress.commits++;
    this.emit();
    const commit = parseCommit(bytes);
    if ((!present || partial) && !this.options.commitMetadataOnly) {
      if (!this.subpaths) this.completed.add(checksum);
      await this.scanDirTree(commit.rootTree, commit.rootMeta, '/', this.baseRoot(checksum));
    }
    if (depth !== 0 && commit.parent) {
      const parent = commit.parent;
      this.group.spawn(() => this.scanCommit(parent, depth > 0 ? depth - 1 : -1, true));
    }
  }

  /** The root dirtree of the complete commit `checksum` was made from (see {@link PullEngineOptions.bases}). */
  private baseRoot(checksum: string): string | undefined {
    const base = this.subpaths ? undefined : this.options.bases?.get(checksum);
    if (!base) return undefined;
    try {
      return parseCommit(readMetadataObjectSync(this.repo, 'commit', base)).rootTree;
    } catch {
      return undefined; // not readable after all: the whole tree is walked
    }
  }

  /** A dirtree of a base commit (present: the commit is complete), or undefined when it cannot be read. */
  private baseDirTree(checksum: string | undefined): DirTree | undefined {
    if (checksum === undefined) return undefined;
    try {
      return this.options.knownDirTrees?.get(checksum) ?? parseDirTree(readMetadataObjectSync(this.repo, 'dirtree', checksum));
    } catch {
      return undefined; // the subtree is walked in full
    }
  }

  /** Staged by a static delta of this pull, still being committed (see {@link PullEngineOptions.pending}). */
  private isPending(type: ObjectType, checksum: string): boolean {
    return this.options.pending?.objects.has(`${checksum}.${type}`) ?? false;
  }

  private wantDir(path: string): boolean {
    if (!this.subpaths) return true;
    // Inside a subpath, or on the way to one.
    return this.subpaths.some((s) => path === s || path.startsWith(s === '/' ? '/' : `${s}/`) || s.startsWith(`${path}/`));
  }

  private wantFile(path: string): boolean {
    if (!this.subpaths) return true;
    return this.subpaths.some((s) => path === s || path.startsWith(s === '/' ? '/' : `${s}/`));
  }

  /**
   * Walks a tree: dirtrees already in the repository are read and expanded right here, in a loop
   * (a 3,000-file update touches ~1,500 stored dirtrees: no task or promise each), yielding to the
   * event loop now and then so fetches keep flowing; missing ones are fetched concurrently and
   * their subtrees walked the same way when they arrive.
   */
  private async scanDirTree(tree: string, meta: string, path: string, base?: string): Promise<void> {
    // [dirtree, dirmeta, path, the base commit's dirtree at that path]
    const stack: [string, string, string, string | undefined][] = [[tree, meta, path, base]];
    let sinceYield = 0;
    throwIfAborted(this.signal);
    while (stack.length > 0) {
      const [t, m, p, b] = stack.pop()!;
      this.ensureMetadata('dirmeta', m);
      // Only the dirmeta differs from the base's: the tree below is the base's, all present.
      if (b === t) continue;
      const key = this.subpaths ? `${t}.dirtree:${p}` : `${t}.dirtree`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      const pending = this.isPending('dirtree', t);
      if (!pending && !this.presence.has('dirtree', t)) {
        this.group.spawn(async () => this.expandDirTree(parseDirTree(await this.metadata('dirtree', t)), p, undefined, this.baseDirTree(b)));
        continue;
      }
      let known = this.options.knownDirTrees?.get(t);
      // A staged dirtree the delta did not hand over (it always does): read once it is stored.
      if (!known && pending) await this.options.pending!.done;
      known ??= parseDirTree(readMetadataObjectSync(this.repo, 'dirtree', t));
      this.expandDirTree(known, p, stack, this.baseDirTree(b));
      if (++sinceYield >= 128) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
        throwIfAborted(this.signal);
      }
    }
  }

  /**
   * Queues a dirtree's files and its subdirectories (onto `stack`, else as new walks), leaving out
   * what `baseDt` (the base commit's dirtree at the same path) has identically.
   */
  private expandDirTree(dt: DirTree, path: string, stack?: [string, string, string, string | undefined][], baseDt?: DirTree): void {
    const prefix = path === '/' ? '' : path;
    const baseFiles = baseDt && new Map(baseDt.files.map((f) => [f.name, f.checksum]));
    const baseDirs = baseDt && new Map(baseDt.dirs.map((d) => [d.name, d]));
    for (const f of dt.files) {
      if (baseFiles?.get(f.name) === f.checksum) continue;
      if (this.wantFile(`${prefix}/${f.name}`)) this.ensureContent(f.checksum);
    }
    for (const d of dt.dirs) {
      const child = `${prefix}/${d.name}`;
      if (!this.wantDir(child)) continue;
      const b = baseDirs?.get(d.name);
      if (b && b.treeChecksum === d.treeChecksum && b.metaChecksum === d.metaChecksum) continue;
      if (stack) stack.push([d.treeChecksum, d.metaChecksum, child, b?.treeChecksum]);
      else this.group.spawn(() => this.scanDirTree(d.treeChecksum, d.metaChecksum, child, b?.treeChecksum));
    }
  }

  private ensureMetadata(type: PullMetadataType, checksum: string): void {
    const key = `${checksum}.${type}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    // Staged by this pull's delta (verified there): present, not stored yet.
    if (this.isPending(type, checksum)) return;
    // Present: read (and verified) right away; missing: fetched as a task.
    if (this.presence.has(type, checksum)) {
      readMetadataObjectSync(this.repo, type, checksum);
      return;
    }
    this.group.spawn(async () => {
      await this.metadata(type, checksum);
    });
  }

  /**
   * Queues a missing content object. A bounded set of workers drains the queue (a task per
   * object would keep tens of thousands of pending promises alive).
   */
  private ensureContent(checksum: string): void {
    const key = `${checksum}.file`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.isPending('file', checksum) || this.presence.has('file', checksum)) return;
    this.progress.requested++;
    this.contentQueue.push(checksum);
    if (this.contentWorkers < this.maxContentWorkers) {
      this.contentWorkers++;
      this.group.spawn(() => this.contentWorker());
    }
  }

  private async contentWorker(): Promise<void> {
    try {
      while (this.contentHead < this.contentQueue.length && !this.group.failed) {
        const checksum = this.contentQueue[this.contentHead++]!;
        if (this.contentHead > 4096 && this.contentHead * 2 > this.contentQueue.length) {
          this.contentQueue.splice(0, this.contentHead);
          this.contentHead = 0;
        }
        await this.fetchContent(checksum);
      }
    } finally {
      this.contentWorkers--;
    }
  }

  /**
   * The staging area for a content object: with the write thread once this pull has proved big
   * enough (or `writeThread: true`).
   */
  private contentStaging(): PullStaging {
    const staging = this.staging!;
    if (this.writerWanted && (this.options.writeThread === true || this.progress.contentFetched >= WRITE_THREAD_MIN_FILES)) {
      this.writerWanted = false;
      // A smaller backlog than a delta's: the pull's fetches in flight hold bodies of their own (peak RSS).
      // undefined when it cannot start: objects are then verified and written on this thread.
      staging.writer = ContentWriter.start(this.repo.mode === 'bare-user', 16 * 1024 * 1024);
      if (staging.writer) {
        staging.bulkWriter = () => (this.bulkWriter ??= ContentWriter.start(this.repo.mode === 'bare-user'));
      }
    }
    return staging;
  }

  private async fetchContent(checksum: string): Promise<void> {
    await this.limiter.run(LOW, async () => {
      throwIfAborted(this.signal);
      const staging = this.contentStaging();
      const fetched = await this.source.content(checksum, staging);
      try {
        await this.stage((txn) => fetched.store(txn));
      } catch (error) {
        await fetched.discard();
        throw error;
      }
      if (staging.writer?.busy) await staging.writer.backlog();
    });
    this.progress.contentFetched++;
    this.emit();
  }
}

/** Whether a loose object exists: one lstat, synchronously (cheaper than a thread-pool round trip). */
function hasObjectSync(repo: Repo, type: ObjectType, checksum: string): boolean {
  try {
    return lstatSync(objectPath(repo, checksum, type), { throwIfNoEntry: false }) !== undefined;
  } catch (error) {
    throw fromSystemError(error, `checking object ${checksum}.${type}`);
  }
}

function normalizeSubpath(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.includes('..')) throw new InvalidArgumentError(`invalid subpath ${JSON.stringify(p)}: ".." is not allowed`, { data: { subpath: p } });
  return `/${parts.join('/')}`;
}
