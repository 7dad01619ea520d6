/**
 * Reading an rpm-md repository: repomd.xml, then primary / filelists / other, each streamed with bounded memory and
 * checked against repomd.xml (size and checksum of the stored file, open-size and open-checksum of its content).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import {
  ChecksumMismatchError,
  CorruptError,
  NotFoundError,
  ParseError,
  UnsupportedError,
  fromSystemError,
  isTsostreeError,
  throwIfAborted,
} from '@tsostree/errors';
import { compressionFromName, decompress } from '../compress/decompress.js';
import { FilelistsHandler, OtherHandler } from './filelists-xml.js';
import { PrimaryHandler, type PackageLimits } from './primary-xml.js';
import { parseRepoMd } from './repomd-xml.js';
import type { RepoMd, RepoMdData, RpmMdChecksum, RpmMdFilelistsPackage, RpmMdOtherPackage, RpmMdPackage } from './types.js';
import { safeHref, type Fail } from './values.js';
import { streamRecords, type XmlHandler, type XmlLimits } from './xml-stream.js';

/** Where repository files come from: a local directory, or anything that can stream a file by relative path. */
export interface RepoSource {
  /** Streams the file at `href`, relative to the repository root (already checked to stay inside it). */
  open(href: string, signal?: AbortSignal): AsyncIterable<Uint8Array>;
}

/** A repository in a local directory (the one holding `repodata/`). */
export function localRepo(root: string): RepoSource {
  const base = path.resolve(root);
  return {
    async *open(href: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
      const file = path.join(base, href);
      if (!file.startsWith(base + path.sep)) throw new CorruptError(`path ${href} leaves the repository`);
      try {
        for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024, signal })) yield chunk as Buffer;
      } catch (error) {
        if (isTsostreeError(error)) throw error;
        if ((error as Error).name === 'AbortError') throwIfAborted(signal);
        throw fromSystemError(error, `reading ${href}`);
      }
    },
  };
}

export type RpmMdProgress = { document: string; phase: 'verify' | 'parse'; bytes: number; packages: number };

export interface ReadRepoOptions extends XmlLimits, PackageLimits {
  signal?: AbortSignal;
  onProgress?: (event: RpmMdProgress) => void;
  /** repomd.xml larger than this is refused. Default 16 MiB. */
  maxRepomdBytes?: number;
  /** Decompressed metadata larger than this is refused when repomd.xml gives no open-size. Default 8 GiB. */
  maxOpenBytes?: number;
  /**
   * Verify the stored file's size and checksum in a first pass before parsing (default true). The open checksum
   * is always verified while streaming; records yielded before a failure must then be discarded.
   */
  verifyBeforeParse?: boolean;
  /** Use this repomd instead of reading repomd.xml again. */
  repomd?: RepoMd;
}

type CountingHandler = XmlHandler & { announced: number | undefined; count: number };
type CountingHandlerFactory<T> = (emit: (record: T) => void, fail: Fail) => CountingHandler;

const DEFAULT_MAX_REPOMD = 16 * 1024 * 1024;
const DEFAULT_MAX_OPEN = 8 * 1024 * 1024 * 1024;

function sourceOf(repo: RepoSource | string): RepoSource {
  return typeof repo === 'string' ? localRepo(repo) : repo;
}

/** Reads and parses `repodata/repomd.xml`. */
export async function readRepoMd(repo: RepoSource | string, options: ReadRepoOptions = {}): Promise<RepoMd> {
  const max = options.maxRepomdBytes ?? DEFAULT_MAX_REPOMD;
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of sourceOf(repo).open('repodata/repomd.xml', options.signal)) {
    size += chunk.length;
    if (size > max) throw new CorruptError(`repomd.xml is larger than ${max} bytes`, { data: { limit: max } });
    parts.push(chunk);
  }
  return parseRepoMd(Buffer.concat(parts), options);
}

/** The `<data>` entry of the given type; `NotFoundError` if the repository has none. */
export function repoData(repomd: RepoMd, type: string): RepoMdData {
  const data = repomd.data.find((entry) => entry.type === type);
  if (!data) throw new NotFoundError(`repository has no ${type} metadata`, { data: { type } });
  return data;
}

async function* hashed(
  source: AsyncIterable<Uint8Array>,
  what: string,
  checksum: RpmMdChecksum | undefined,
  size: number | undefined,
  limit: number,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  const hash = checksum ? createHash(checksum.type) : undefined;
  const max = size ?? limit;
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > max) {
      throw size === undefined
        ? new CorruptError(`${what} is larger than ${limit} bytes`, { data: { limit } })
        : new ChecksumMismatchError(`${what} is larger than the ${size} bytes repomd.xml announces`, {
            expected: String(size),
            actual: `>${size}`,
          });
    }
    hash?.update(chunk);
    onBytes?.(total);
    yield chunk;
  }
  if (size !== undefined && total !== size) {
    throw new ChecksumMismatchError(`${what} has ${total} bytes, repomd.xml says ${size}`, {
      expected: String(size),
      actual: String(total),
    });
  }
  if (hash && checksum) {
    const actual = hash.digest('hex');
    if (actual !== checksum.value) {
      throw new ChecksumMismatchError(`${what}: ${checksum.type} is ${actual}, repomd.xml says ${checksum.value}`, {
        expected: checksum.value,
        actual,
      });
    }
  }
}

/**
 * Streams the decompressed content of one repomd `<data>` file, verified against repomd.xml: the stored size and
 * checksum, and the open size and open checksum when given (a plain file's checksum is its open checksum).
 */
export async function* streamRepoData(
  repo: RepoSource | string,
  data: RepoMdData,
  options: ReadRepoOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const source = sourceOf(repo);
  const href = safeHref(data.location.href, (message) => new ParseError(message));
  if (href.endsWith('.zck')) throw new UnsupportedError(`zchunk metadata is not supported: ${href}`);
  const kind = compressionFromName(href);
  const limit = options.maxOpenBytes ?? DEFAULT_MAX_OPEN;
  const document = path.posix.basename(href);
  const report = (phase: 'verify' | 'parse') => (bytes: number) =>
    options.onProgress?.({ document, phase, bytes, packages: 0 });
  if (options.verifyBeforeParse ?? true) {
    for await (const chunk of hashed(source.open(href, options.signal), href, data.checksum, data.size, limit, report('verify'))) {
      void chunk;
    }
  }
  const stored = hashed(source.open(href, options.signal), href, data.checksum, data.size, limit, report('parse'));
  if (kind === 'none') {
    yield* stored;
    return;
  }
  const open = decompress(stored, kind, { signal: options.signal, maxOutputBytes: data.openSize ?? limit });
  yield* hashed(open, `${href} (decompressed)`, data.openChecksum, data.openSize, limit);
}

async function* readRecords<T>(
  repo: RepoSource | string,
  type: 'primary' | 'filelists' | 'other',
  makeHandler: CountingHandlerFactory<T>,
  options: ReadRepoOptions,
): AsyncGenerator<T, void, undefined> {
  const source = sourceOf(repo);
  const repomd = options.repomd ?? (await readRepoMd(source, options));
  const data = repoData(repomd, type);
  yield* parseRecords(streamRepoData(source, data, options), type, makeHandler, options);
}

async function* parseRecords<T>(
  bytes: AsyncIterable<Uint8Array>,
  type: 'primary' | 'filelists' | 'other',
  makeHandler: CountingHandlerFactory<T>,
  options: ReadRepoOptions,
): AsyncGenerator<T, void, undefined> {
  let handler: CountingHandler | undefined;
  const records = streamRecords<T>(
    bytes,
    (emit, fail) => (handler = makeHandler(emit, fail)),
    `${type}.xml`,
    options,
    options.signal,
  );
  let count = 0;
  for await (const record of records) {
    count++;
    if (options.onProgress && count % 1000 === 0) {
      options.onProgress({ document: `${type}.xml`, phase: 'parse', bytes: -1, packages: count });
    }
    yield record;
  }
  if (handler && handler.announced !== undefined && handler.announced !== handler.count) {
    throw new CorruptError(`${type}.xml announces ${handler.announced} packages but holds ${handler.count}`, {
      data: { announced: handler.announced, count: handler.count },
    });
  }
}

/** Streams every package of the repository's primary.xml, verified against repomd.xml. */
export function readPrimary(repo: RepoSource | string, options: ReadRepoOptions = {}): AsyncGenerator<RpmMdPackage> {
  return readRecords<RpmMdPackage>(repo, 'primary', (emit, fail) => new PrimaryHandler(emit, fail, options), options);
}

/** Streams every package's full file list from filelists.xml, verified against repomd.xml. */
export function readFilelists(
  repo: RepoSource | string,
  options: ReadRepoOptions = {},
): AsyncGenerator<RpmMdFilelistsPackage> {
  return readRecords<RpmMdFilelistsPackage>(repo, 'filelists', (emit, fail) => new FilelistsHandler(emit, fail, options), options);
}

/** Streams every package's changelog from other.xml, verified against repomd.xml. */
export function readOther(repo: RepoSource | string, options: ReadRepoOptions = {}): AsyncGenerator<RpmMdOtherPackage> {
  return readRecords<RpmMdOtherPackage>(repo, 'other', (emit, fail) => new OtherHandler(emit, fail, options), options);
}

/** Parses an already-decompressed primary.xml byte stream (no repomd checks); see `readPrimary` for repositories. */
export function parsePrimaryStream(bytes: AsyncIterable<Uint8Array>, options: ReadRepoOptions = {}): AsyncGenerator<RpmMdPackage> {
  return parseRecords<RpmMdPackage>(bytes, 'primary', (emit, fail) => new PrimaryHandler(emit, fail, options), options);
}

/** Parses an already-decompressed filelists.xml byte stream (no repomd checks). */
export function parseFilelistsStream(
  bytes: AsyncIterable<Uint8Array>,
  options: ReadRepoOptions = {},
): AsyncGenerator<RpmMdFilelistsPackage> {
  return parseRecords<RpmMdFilelistsPackage>(bytes, 'filelists', (emit, fail) => new FilelistsHandler(emit, fail, options), options);
}

/** Parses an already-decompressed other.xml byte stream (no repomd checks). */
export function parseOtherStream(bytes: AsyncIterable<Uint8Array>, options: ReadRepoOptions = {}): AsyncGenerator<RpmMdOtherPackage> {
  return parseRecords<RpmMdOtherPackage>(bytes, 'other', (emit, fail) => new OtherHandler(emit, fail, options), options);
}
