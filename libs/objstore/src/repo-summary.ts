import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { NotFoundError, fromSystemError } from '@tsostree/errors';
import { parseCommit } from './format/commit.js';
import { Variant } from './format/gvariant/value.js';
import { variantU64BE } from './format/metadata.js';
import { parseSummary, serializeSummary, SUMMARY_KEYS, type Summary, type SummaryRef } from './format/summary.js';
import { readMetadataObject } from './repo-objects.js';
import { checksumToBytes } from './format/checksum.js';
import { reindexStaticDeltas, staticDeltaDigests } from './delta/delta-list.js';
import { listRefs } from './repo-refs.js';
import { repoModeConfigName, type Repo } from './repo.js';

export interface SummaryUpdateOptions {
  /** `ostree.summary.last-modified` (seconds; default now). */
  lastModified?: number;
  /** Extra global metadata (`--add-metadata`). */
  metadata?: [string, Variant][];
}

/**
 * Regenerates `summary` from the local branches, like `ostree summary -u`: each ref with its commit
 * size, checksum, timestamp and version, plus the repository mode and last-modified time.
 * Written atomically. Returns the summary value.
 */
export async function updateSummary(repo: Repo, options: SummaryUpdateOptions = {}): Promise<Summary> {
  const refs: SummaryRef[] = [];
  for (const [name, checksum] of await listRefs(repo, { remotes: false })) {
    const bytes = await readMetadataObject(repo, 'commit', checksum);
    const commit = parseCommit(bytes);
    const metadata: [string, Variant][] = [[SUMMARY_KEYS.commitTimestamp, variantU64BE(commit.timestamp)]];
    const version = commit.metadata.find(([k]) => k === 'version');
    if (version && version[1].type === 's') metadata.push([SUMMARY_KEYS.commitVersion, version[1]]);
    refs.push({ name, commitSize: bytes.length, checksum, metadata });
  }
  const collectionId = repo.config.getString('core', 'collection-id');
  const metadata: [string, Variant][] = [
    ...(options.metadata ?? []),
    [SUMMARY_KEYS.mode, new Variant('s', repoModeConfigName(repo.mode))],
    [SUMMARY_KEYS.lastModified, variantU64BE(options.lastModified ?? Math.floor(Date.now() / 1000))],
    [SUMMARY_KEYS.tombstoneCommits, new Variant('b', repo.config.getBoolean('core', 'tombstone-commits') === true)],
  ];
  // Static deltas (name → superblock SHA-256), and the per-target delta indexes, like ostree.
  const deltas = await staticDeltaDigests(repo);
  if (deltas.length > 0) {
    metadata.push([SUMMARY_KEYS.staticDeltas, new Variant('a{sv}', deltas.map((d) => [d.name, new Variant('ay', checksumToBytes(d.superblockChecksum))]))]);
  }
  metadata.push([SUMMARY_KEYS.indexedDeltas, new Variant('b', true)]);
  await reindexStaticDeltas(repo);
  if (collectionId) metadata.push([SUMMARY_KEYS.collectionId, new Variant('s', collectionId)]);
  const summary: Summary = { refs, metadata };
  const tmp = repo.resolve(`.summary.tmp-${process.pid}`);
  try {
    // Like ostree: the old summary.sig no longer matches, drop it before the new summary appears.
    await rm(repo.resolve('summary.sig'), { force: true });
    await writeFile(tmp, serializeSummary(summary), { mode: 0o644 });
    await rename(tmp, repo.resolve('summary'));
  } catch (error) {
    throw fromSystemError(error, 'writing summary');
  }
  return summary;
}

/** Reads and parses the repository's `summary` (NotFound if there is none). */
export async function readSummary(repo: Repo): Promise<Summary> {
  let bytes: Buffer;
  try {
    bytes = await readFile(repo.resolve('summary'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('No summary file', { cause: error });
    throw fromSystemError(error, 'reading summary');
  }
  return parseSummary(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
