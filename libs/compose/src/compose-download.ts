/**
 * Downloading the resolved packages in parallel into the cache directory, every file checked against the
 * size and checksum primary.xml announces (and, for `gpgcheck` repos, its OpenPGP signature against the
 * repo's keys through @tsostree/rpmdb). Interrupted downloads resume from their `.part` file (HTTP Range);
 * complete cached files are re-verified and reused. Packages of `file://` repos are verified in place.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChecksumMismatchError, InvalidArgumentError, fromSystemError, isTsostreeError, throwIfAborted, withContext } from '@tsostree/errors';
import { packageBytesNeeded, parsePackageHeaders, verifyPackage, type RpmPackageHeaders } from '@tsostree/rpmdb';
import type { ResolvedPackage } from './compose-resolve.js';
import { joinUrl, openUrl } from './url-fetch.js';

export interface DownloadedPackage {
  pkg: ResolvedPackage;
  /** Local path of the verified RPM. */
  path: string;
  /** True when it came from the cache (or a local repo) instead of the network. */
  cached: boolean;
  /**
   * Lead, signature and main header, parsed from the very bytes whose checksum was verified (when the file was read
   * whole, up to 32 MiB; a copy, so the file's bytes are not kept). Absent when the file was streamed or its headers
   * do not parse (reading them from `path` then reports the problem).
   */
  headers?: RpmPackageHeaders;
}

export type DownloadProgress = {
  phase: 'download';
  /** Packages finished / in total. */
  done: number;
  total: number;
  /** Bytes received from the network so far / bytes of every package. */
  bytes: number;
  totalBytes: number;
  nevra?: string;
};

export interface DownloadOptions {
  /** Where downloaded RPMs are kept (`<cachedir>/rpms/<repo>/<file>`). Needed for http(s) repos. */
  cachedir?: string;
  /** Parallel downloads (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (event: DownloadProgress) => void;
}

/** The URL of a package: `xml:base` when it is an absolute URL, else the repo's base URL. */
export function packageUrl(pkg: ResolvedPackage): string {
  const base = pkg.record.location.base;
  if (base && /^(https?|file):\/\//i.test(base)) return joinUrl(base, pkg.record.location.href);
  return joinUrl(pkg.repo.baseurl, pkg.record.location.href);
}

/**
 * The digest and size of a file; its bytes too when it was read whole. Files up to 32 MiB (most packages) are read
 * with one direct read: a compose verifies hundreds of local or cached packages in a row, and thread-pool round
 * trips for each stat and read were most of that time.
 */
async function hashFile(path: string, algo: string, signal?: AbortSignal): Promise<{ digest: string; size: number; bytes?: Buffer }> {
  const hash = createHash(algo);
  let size = 0;
  try {
    throwIfAborted(signal);
    if (statSync(path).size <= 32 * 1024 * 1024) {
      const bytes = readFileSync(path);
      return { digest: hash.update(bytes).digest('hex'), size: bytes.length, bytes };
    }
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, signal })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (err) {
    if (isTsostreeError(err)) throw err;
    if ((err as Error).name === 'AbortError') throwIfAborted(signal);
    throw fromSystemError(err, path);
  }
  return { digest: hash.digest('hex'), size };
}

/** Checks size and checksum against primary.xml; returns the headers parsed from the verified bytes, if read whole. */
async function checkFile(path: string, pkg: ResolvedPackage, signal?: AbortSignal): Promise<RpmPackageHeaders | undefined> {
  const { type, value } = pkg.record.checksum;
  const { digest, size, bytes } = await hashFile(path, type, signal);
  const expectedSize = pkg.record.size.package;
  if (expectedSize > 0 && size !== expectedSize) {
    throw new ChecksumMismatchError(`${pkg.nevra}: ${path} has ${size} bytes, the repository announces ${expectedSize}`, {
      expected: String(expectedSize),
      actual: String(size),
      data: { nevra: pkg.nevra, path },
    });
  }
  if (digest !== value) {
    throw new ChecksumMismatchError(`${pkg.nevra}: ${type} checksum of ${path} is ${digest}, the repository announces ${value}`, {
      expected: value,
      actual: digest,
      data: { nevra: pkg.nevra, path },
    });
  }
  if (!bytes) return undefined;
  try {
    // A copy of the header bytes only (Buffer#slice would be a view): the parsed headers keep a view of what they
    // were parsed from.
    const need = packageBytesNeeded(bytes);
    return need <= bytes.length ? parsePackageHeaders(new Uint8Array(bytes.subarray(0, need))) : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<number | undefined> {
  try {
    const st = await stat(path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

async function fetchInto(
  url: string,
  dest: string,
  pkg: ResolvedPackage,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<RpmPackageHeaders | undefined> {
  const part = `${dest}.part`;
  const have = (await exists(part)) ?? 0;
  const stream = await openUrl(url, { signal, offset: have });
  let handle;
  try {
    handle = await open(part, stream.offset > 0 ? 'a' : 'w');
  } catch (err) {
    throw fromSystemError(err, part);
  }
  let written = stream.offset;
  const limit = pkg.record.size.package > 0 ? pkg.record.size.package : Number.MAX_SAFE_INTEGER;
  try {
    for await (const chunk of stream.body) {
      written += chunk.length;
      if (written > limit) {
        throw new ChecksumMismatchError(`${pkg.nevra}: ${url} is larger than the ${limit} bytes the repository announces`, { data: { nevra: pkg.nevra, url } });
      }
      await handle.write(chunk);
      onBytes(chunk.length);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  let headers: RpmPackageHeaders | undefined;
  try {
    headers = await checkFile(part, pkg, signal);
  } catch (err) {
    await unlink(part).catch(() => undefined);
    if (stream.offset > 0 && isTsostreeError(err, 'ChecksumMismatch')) {
      // The partial file may have come from another build of the package: start over once.
      return fetchInto(url, dest, pkg, signal, onBytes);
    }
    throw err;
  }
  await rename(part, dest);
  return headers;
}

/** Downloads and verifies `packages`; returns them in the same order. */
export async function downloadPackages(packages: readonly ResolvedPackage[], options: DownloadOptions = {}): Promise<DownloadedPackage[]> {
  const total = packages.length;
  const totalBytes = packages.reduce((n, p) => n + p.record.size.package, 0);
  let done = 0;
  let bytes = 0;
  const report = (nevra?: string) => options.onProgress?.({ phase: 'download', done, total, bytes, totalBytes, nevra });
  report();
  const results: DownloadedPackage[] = new Array(total);
  let next = 0;
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;

  const one = async (index: number): Promise<void> => {
    const pkg = packages[index]!;
    const url = packageUrl(pkg);
    let path: string;
    let cached = true;
    let headers: RpmPackageHeaders | undefined;
    if (/^file:/i.test(url)) {
      path = fileURLToPath(url);
      headers = await checkFile(path, pkg, signal);
    } else {
      if (!options.cachedir) throw new InvalidArgumentError(`a cache directory is needed to download ${url}`);
      const name = basename(pkg.record.location.href);
      if (!/^[^/\0]+\.rpm$/.test(name)) throw new InvalidArgumentError(`${pkg.nevra}: unexpected package file name ${JSON.stringify(name)}`);
      const dir = join(options.cachedir, 'rpms', pkg.repo.config.id);
      await mkdir(dir, { recursive: true }).catch((err: unknown) => {
        throw fromSystemError(err, dir);
      });
      path = join(dir, name);
      let ok = false;
      if ((await exists(path)) !== undefined) {
        try {
          headers = await checkFile(path, pkg, signal);
          ok = true;
        } catch (err) {
          if (!isTsostreeError(err, 'ChecksumMismatch')) throw err;
          await unlink(path).catch(() => undefined);
        }
      }
      if (!ok) {
        cached = false;
        headers = await fetchInto(url, path, pkg, signal, (n) => {
          bytes += n;
          report(pkg.nevra);
        });
      }
    }
    if (pkg.repo.config.gpgcheck) {
      try {
        await verifyPackage(path, { keyring: pkg.repo.keys, requireSignature: true, signal });
      } catch (err) {
        throw withContext(`${pkg.nevra} from repo ${pkg.repo.config.id}`, err);
      }
    }
    results[index] = headers ? { pkg, path, cached, headers } : { pkg, path, cached };
    done++;
    report(pkg.nevra);
  };

  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      throwIfAborted(signal);
      await one(i);
    }
  };
  const workers = Array.from({ length: Math.min(options.concurrency ?? 4, total) }, worker);
  try {
    await Promise.all(workers.map((w) => w.catch((err: unknown) => {
      controller.abort(err);
      throw err;
    })));
  } catch (err) {
    // Report the first real failure, not the cancellations it caused.
    const settled = await Promise.allSettled(workers);
    const real = settled.find((s) => s.status === 'rejected' && !isTsostreeError(s.reason, 'Aborted'));
    throw real ? (real as PromiseRejectedResult).reason : err;
  }
  return results;
}
