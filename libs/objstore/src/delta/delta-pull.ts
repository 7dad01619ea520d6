/**
 * The static-delta step of a pull: when the remote offers a delta to the wanted commit (listed in
 * the summary's `ostree.static-deltas`, or in `delta-indexes/<to>.index` when the summary says
 * deltas are indexed), fetch its superblock (hash-checked against that listing), verify the
 * embedded commit's signatures like any fetched commit, and apply it. Preference like ostree:
 * from the commit the local ref points at, else from scratch when there is no local commit.
 *
 * The commit is marked partial before anything is written, and the delta is applied without the
 * completeness check: the pull engine then walks the commit, fetches what the delta left out
 * (fallback objects) and clears the mark. The walk starts as soon as the parts are applied, while
 * the delta's objects are still being committed (syncfs, renames, directory fsyncs: mostly waiting
 * on the disk): it takes them as present, and the engine waits for that commit before its own
 * flush and before the mark goes. With no usable delta nothing happens and the engine fetches
 * objects as usual.
 */
import { ChecksumMismatchError, CorruptError, NotFoundError } from '@tsostree/errors';
import { checksumFromBytes, sha256Hex } from '../format/checksum.js';
import { serializeCommit } from '../format/commit.js';
import type { DirTree } from '../format/dirtree.js';
import { vardictGet, type Variant } from '../format/gvariant/value.js';
import { serializeVarDict } from '../format/metadata.js';
import { deltaIndexPath, parseDeltaIndex, staticDeltaDir, staticDeltaName } from '../format/static-delta.js';
import { SUMMARY_KEYS, type Summary } from '../format/summary.js';
import { isPartial } from '../repo-fsck.js';
import { hasObject } from '../repo-objects.js';
import type { Repo } from '../repo.js';
import type { Fetcher } from '../pull/fetcher.js';
import type { PullVerifier } from '../pull/pull-verify.js';
import { readSuperblockBytes, stageStaticDelta, type DeltaApplyResult } from './delta-apply.js';
import { mkdir, writeFile } from 'node:fs/promises';

const MAX_SUPERBLOCK = 128 * 1024 * 1024;

function summaryDeltas(summary: Summary | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const listed = summary ? (vardictGet(summary.metadata, SUMMARY_KEYS.staticDeltas, 'a{sv}') as [string, Variant][] | undefined) : undefined;
  for (const [name, v] of listed ?? []) if (v.type === 'ay' && (v.value as Uint8Array).length === 32) out.set(name, checksumFromBytes(v.value as Uint8Array));
  return out;
}

/** The superblock checksum the remote publishes for `name`, or undefined when it offers no such delta. */
async function publishedDelta(fetcher: Fetcher, summary: Summary | undefined, to: string, name: string): Promise<string | undefined> {
  const fromSummary = summaryDeltas(summary).get(name);
  if (fromSummary) return fromSummary;
  const indexed = summary ? vardictGet(summary.metadata, SUMMARY_KEYS.indexedDeltas, 'b') : undefined;
  if (summary && indexed !== true) return undefined;
  const bytes = await fetcher.fetch(deltaIndexPath(to), { allow404: true, maxSize: 16 * 1024 * 1024, what: `delta index of ${to}` });
  if (!bytes) return undefined;
  let entries;
  try {
    entries = parseDeltaIndex(bytes);
  } catch (error) {
    throw new CorruptError(`delta index ${fetcher.url(deltaIndexPath(to))} is invalid: ${(error as Error).message}`, { cause: error });
  }
  return entries.find((e) => e.name === name)?.superblockChecksum;
}

export interface DeltaPullResult extends DeltaApplyResult {
  name: string;
  /** The dirtrees the delta carried (verified, parsed): the pull's walk of the new commit reuses them. */
  dirTrees: Map<string, DirTree>;
  /** The objects the delta staged (`CHECKSUM.TYPE`): in `objects/` once `committed` resolves. */
  staged: ReadonlySet<string>;
  /** The new commit and its detached metadata (verified), stored once `committed` resolves. */
  commit: { bytes: Uint8Array; detached?: Uint8Array };
  /** Settles when the staged objects and the commit are stored (already running; never left unawaited by the caller). */
  committed: Promise<void>;
}

/**
 * Tries to bring commit `to` in through a static delta from `localFrom` (the commit the ref
 * points at locally, if any). Returns undefined when the commit is already complete, or when the
 * remote has no usable delta — unless `required`, then that is a `NotFoundError` (ostree's words).
 */
export async function pullStaticDelta(
  repo: Repo,
  fetcher: Fetcher,
  summary: Summary | undefined,
  to: string,
  localFrom: string | undefined,
  verifier: PullVerifier | undefined,
  signal?: AbortSignal,
  required?: { ref: string | undefined },
): Promise<DeltaPullResult | undefined> {
  if ((await hasObject(repo, 'commit', to)) && !(await isPartial(repo, to))) return undefined;
  let from: string | null = null;
  if (localFrom && localFrom !== to && (await hasObject(repo, 'commit', localFrom)) && !(await isPartial(repo, localFrom))) from = localFrom;
  const name = staticDeltaName(from, to);
  const expected = await publishedDelta(fetcher, summary, to, name);
  if (!expected) {
    if (!required) return undefined;
    // ostree names the ref when there is no local commit to start from.
    throw new NotFoundError(`Static deltas required, but none found for ${from ?? required.ref ?? '(null)'} to ${to}`, { data: { from, to } });
  }
  const dir = staticDeltaDir(from, to);
  const superblock = await fetcher.fetch(`${dir}/superblock`, {
    maxSize: MAX_SUPERBLOCK,
    what: `static delta ${name}`,
    validate: (b) => {
      const actual = sha256Hex(b);
      if (actual !== expected) throw new ChecksumMismatchError(`static delta superblock ${name}: expected ${expected}, got ${actual}`, { expected, actual });
    },
  });
  const { superblock: sb } = readSuperblockBytes(superblock);
  if (sb.to !== to || sb.from !== from) throw new CorruptError(`static delta ${name} describes ${staticDeltaName(sb.from, sb.to)}`);
  const commitBytes = serializeCommit(sb.commit);
  const detached = vardictGet(sb.metadata, `${dir}/commitmeta`, 'a{sv}') as [string, Variant][] | undefined;
  if (verifier?.verifyCommit) await verifier.verifyCommit(to, commitBytes, detached ? serializeVarDict(detached) : undefined);
  await mkdir(repo.resolve('state'), { recursive: true });
  await writeFile(repo.resolve('state', `${to}.commitpartial`), '', { mode: 0o644 });
  const dirTrees = new Map<string, DirTree>();
  const result = await stageStaticDelta(
    repo,
    {
      superblock,
      readPart: (i, meta) => fetcher.fetch(`${dir}/${i}`, {
        maxSize: meta.size,
        what: `static delta ${name} part ${i}`,
        validate: (b) => {
          const actual = sha256Hex(b);
          if (actual !== meta.checksum) throw new ChecksumMismatchError(`static delta ${name} part ${i}: expected ${meta.checksum}, got ${actual}`, { expected: meta.checksum, actual });
        },
      }),
    },
    { fetchFallback: async () => undefined, verifyComplete: false, dirTrees, ...(signal ? { signal } : {}) },
  );
  const committed = result.finish();
  committed.catch(() => undefined); // the caller awaits it
  return {
    from: result.from,
    to: result.to,
    objectsWritten: result.objectsWritten,
    partsApplied: result.partsApplied,
    partsSkipped: result.partsSkipped,
    name,
    dirTrees,
    staged: result.staged,
    commit: { bytes: result.commitBytes, ...(result.detachedBytes ? { detached: result.detachedBytes } : {}) },
    committed,
  };
}
