import { setMaxListeners } from 'node:events';
import { copyFile, readFile, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Agent, Dispatcher, request as undiciRequest } from 'undici';
import {
  AbortedError,
  ChecksumMismatchError,
  CorruptError,
  InvalidArgumentError,
  NetworkError,
  NotFoundError,
  fromSystemError,
  isTsostreeError,
  throwIfAborted,
} from '@tsostree/errors';
import { TempFileWriter } from './temp-file-writer.js';

/**
 * The HTTP(S) and file:// fetch layer of pull (ostree's `OstreeFetcher`): one keep-alive connection
 * pool per process (undici), a bounded number of requests in flight, mirrors tried in order,
 * retries with exponential backoff and a time limit, typed errors naming the URL.
 * Reusable: static deltas fetch their superblocks and parts through it.
 */

export interface FetcherOptions {
  /** Base URLs (mirrors, tried in order); `http:`, `https:` or `file:`. */
  baseUrls: string[];
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** Retries after the first attempt (ostree's `n-network-retries`, default 5). */
  retries?: number;
  /** A response that sends no header or no body byte for this long is a stall (default 30 s). */
  timeoutMs?: number;
  /** Total time one path may spend, all attempts and waits included (default 5 min). */
  timeLimitMs?: number;
  /** First backoff delay; doubles each retry, with jitter (default 100 ms). */
  backoffMs?: number;
  /** Extra request headers (the remote's `http-headers`). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface FetchOptions {
  /** Refuse bodies larger than this many bytes (default 64 MiB). */
  maxSize?: number;
  /** Return undefined on 404 (after every mirror answered 404) instead of throwing NotFoundError. */
  allow404?: boolean;
  /**
   * Checks a complete body; throwing a ChecksumMismatchError or CorruptError counts as a failed
   * attempt (wrong bytes from a proxy or a flaky server) and is retried; other errors are final.
   */
  validate?: (bytes: Uint8Array) => void | Promise<void>;
  /** What is being fetched, for error messages ("commit 1a2b…"). Default: the path. */
  what?: string;
}

export interface BodyFetchOptions extends Omit<FetchOptions, 'validate'> {
  /** Bodies up to this size stay in memory; larger ones go to `tmpPath()` (default 0: always a file when tmpPath is set). */
  memoryLimit?: number;
  /** A fresh temporary file path for a body that does not stay in memory. */
  tmpPath?: () => string;
  validate?: (body: FetchedBody) => void | Promise<void>;
}

/** A fetched body: in memory (`bytes`) or in a temporary file (`file`) that the caller now owns. */
export type FetchedBody = { bytes: Uint8Array; file?: undefined; size: number } | { bytes?: undefined; file: string; size: number };

export interface FetcherStats {
  /** HTTP requests sent (attempts). */
  requests: number;
  /** Body bytes received (all attempts). */
  bytes: number;
  /** Attempts that were retried. */
  retries: number;
}

/** A failed attempt that may succeed when repeated. */
class RetryableError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

class NotFoundAttempt extends Error {}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError('operation cancelled', { cause: signal.reason }));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new AbortedError('operation cancelled', { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Joins a base URL and a repository-relative path. */
export function joinUrl(base: string, path: string): string {
  if (path === '') return base;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function checkBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new InvalidArgumentError(`invalid URL ${JSON.stringify(url)}`, { cause: error, data: { url } });
  }
  if (!['http:', 'https:', 'file:'].includes(parsed.protocol)) {
    throw new InvalidArgumentError(`unsupported URL scheme in ${JSON.stringify(url)} (http, https or file)`, { data: { url } });
  }
  return url;
}

/** A counting semaphore. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Fetches files under one remote repository URL (or a list of mirrors). */
export class Fetcher {
  readonly baseUrls: readonly string[];
  readonly stats: FetcherStats = { requests: 0, bytes: 0, retries: 0 };
  /** The connection pool, made on the first HTTP request (undici costs ~100 ms to import; file:// needs none). */
  private http?: Promise<{ agent: Agent; request: typeof undiciRequest }>;
  private closed = false;
  private readonly concurrency: number;
  private readonly limiter: Limiter;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly timeLimitMs: number;
  private readonly backoffMs: number;
  private readonly headers: Record<string, string>;
  private readonly signal?: AbortSignal;
  /** Index of the mirror that answered last (later paths start there). */
  private preferred = 0;

  constructor(options: FetcherOptions) {
    if (options.baseUrls.length === 0) throw new InvalidArgumentError('no URL to fetch from');
    this.baseUrls = options.baseUrls.map(checkBaseUrl);
    const concurrency = options.concurrency ?? 16;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new InvalidArgumentError(`invalid concurrency ${concurrency}`);
    this.concurrency = concurrency;
    this.limiter = new Limiter(concurrency);
    this.retries = options.retries ?? 5;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.timeLimitMs = options.timeLimitMs ?? 300_000;
    this.backoffMs = options.backoffMs ?? 100;
    this.headers = { 'user-agent': 'tsostree', ...options.headers };
    this.signal = options.signal;
    // Every request in flight listens on the signal.
    if (this.signal) setMaxListeners(0, this.signal);
  }

  private pool(): Promise<{ agent: Agent; request: typeof undiciRequest }> {
    return (this.http ??= import('undici').then(({ Agent, request }) => ({
      agent: new Agent({
        connections: this.concurrency,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        connect: { timeout: this.timeoutMs },
      }),
      request,
    })));
  }

  /** Closes the connection pool; a closed fetcher makes no more HTTP requests. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.http) await (await this.http).agent.close();
  }

  /** The URL of `path` on the preferred mirror (for messages and callers that need it). */
  url(path: string): string {
    return joinUrl(this.baseUrls[this.preferred]!, path);
  }

  /**
   * Fetches `path` under the base URL into memory. NotFoundError on 404 (undefined with
   * `allow404`), NetworkError after the retries and time limit, ChecksumMismatchError/CorruptError
   * when `validate` kept refusing the bytes.
   */
  async fetch(path: string, options: FetchOptions & { allow404: true }): Promise<Uint8Array | undefined>;
  async fetch(path: string, options?: FetchOptions): Promise<Uint8Array>;
  async fetch(path: string, options: FetchOptions = {}): Promise<Uint8Array | undefined> {
    const maxSize = options.maxSize ?? 64 * 1024 * 1024;
    const validate = options.validate;
    const body = await this.fetchBody(path, {
      ...options,
      maxSize,
      memoryLimit: maxSize,
      validate: validate ? (b) => validate(b.bytes!) : undefined,
    });
    return body?.bytes;
  }

  /**
   * Fetches `path` into memory when it is at most `memoryLimit` bytes, otherwise into a new file
   * at `tmpPath()` (the caller owns the file afterwards; it is removed on failure). `validate` sees
   * the complete body; a ChecksumMismatchError/CorruptError from it is retried like a network fault.
   */
  async fetchBody(path: string, options: BodyFetchOptions & { allow404: true }): Promise<FetchedBody | undefined>;
  async fetchBody(path: string, options: BodyFetchOptions): Promise<FetchedBody>;
  async fetchBody(path: string, options: BodyFetchOptions): Promise<FetchedBody | undefined> {
    const maxSize = options.maxSize ?? Number.MAX_SAFE_INTEGER;
    const memoryLimit = options.memoryLimit ?? 0;
    const validate = options.validate;
    return this.withRetries(
      path,
      options,
      (url) => (url.startsWith('file:') ? this.readLocal(url, maxSize, memoryLimit, options.tmpPath) : this.httpGet(url, maxSize, memoryLimit, options.tmpPath)),
      validate &&
        (async (body) => {
          try {
            await validate(body);
          } catch (error) {
            if (body.file) await rm(body.file, { force: true });
            if (isTsostreeError(error, ChecksumMismatchError.code) || isTsostreeError(error, CorruptError.code)) {
              throw new RetryableError((error as Error).message, undefined, error);
            }
            throw error;
          }
        }),
    );
  }

  /** Streams `path` into the file `dest`; returns its size (undefined on 404 with `allow404`). */
  async fetchToFile(path: string, dest: string, options: Omit<FetchOptions, 'validate'> = {}): Promise<number | undefined> {
    const body = await this.fetchBody(path, { ...options, memoryLimit: -1, tmpPath: () => dest, allow404: true });
    if (body === undefined) {
      if (options.allow404) return undefined;
      throw new NotFoundError(`${options.what ?? path}: ${this.url(path)} not found (HTTP 404)`, { data: { url: this.url(path), path, status: 404 } });
    }
    return body.size;
  }

  /**
   * Runs `attempt` (holding one of the {@link FetcherOptions.concurrency} slots) and then `check` on
   * its result (the slot already free for the next request: checking may take a while, e.g. on a
   * write thread); a RetryableError from either is retried with backoff, on the next mirror.
   */
  private async withRetries<T>(
    path: string,
    options: { allow404?: boolean; what?: string },
    attempt: (url: string) => Promise<T>,
    check?: (result: T) => Promise<void>,
  ): Promise<T | undefined> {
    const started = Date.now();
    const what = options.what ?? path;
    const mirrors = this.baseUrls.length;
    let mirror = this.preferred;
    let notFoundOn = 0;
    let lastError: RetryableError | undefined;
    let url = joinUrl(this.baseUrls[mirror]!, path);
    for (let tries = 0; ; tries++) {
      throwIfAborted(this.signal);
      url = joinUrl(this.baseUrls[mirror]!, path);
      try {
        const result = await this.limiter.run(() => {
          throwIfAborted(this.signal);
          return attempt(url);
        });
        if (check) await check(result);
        this.preferred = mirror;
        return result;
      } catch (error) {
        if (error instanceof NotFoundAttempt) {
          notFoundOn++;
          if (notFoundOn < mirrors) {
            mirror = (mirror + 1) % mirrors;
            continue;
          }
          if (options.allow404) return undefined;
          throw new NotFoundError(`${what}: ${url} not found (HTTP 404)`, { data: { url, path, status: 404 } });
        }
        if (!(error instanceof RetryableError)) {
          if (this.signal?.aborted) throw new AbortedError('operation cancelled', { cause: this.signal.reason });
          throw error;
        }
        lastError = error;
      }
      const elapsed = Date.now() - started;
      const delay = Math.min(this.backoffMs * 2 ** tries, 10_000) * (0.5 + Math.random() / 2);
      if (tries >= this.retries || elapsed + delay > this.timeLimitMs) break;
      this.stats.retries++;
      mirror = (mirror + 1) % mirrors;
      await sleep(delay, this.signal);
    }
    const cause = lastError?.cause;
    const detail = lastError?.message ?? 'unknown error';
    const data = { url, path, status: lastError?.status };
    if (isTsostreeError(cause, ChecksumMismatchError.code)) {
      const { expected, actual } = cause.data as { expected?: string; actual?: string };
      throw new ChecksumMismatchError(`${what} from ${url}: ${detail}`, { cause, expected, actual, data: { ...cause.data, ...data } });
    }
    if (isTsostreeError(cause, CorruptError.code)) throw new CorruptError(`${what} from ${url}: ${detail}`, { cause, data: { ...cause.data, ...data } });
    throw new NetworkError(`fetching ${what} from ${url} failed: ${detail}`, { cause: cause ?? lastError, data });
  }

  private async readLocal(url: string, maxSize: number, memoryLimit: number, tmpPath?: () => string): Promise<FetchedBody> {
    const path = fileURLToPath(url);
    try {
      const st = await stat(path);
      if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
      if (st.size > maxSize) throw new CorruptError(`${url} is too large (${st.size} bytes, limit ${maxSize})`, { data: { url } });
      this.stats.requests++;
      this.stats.bytes += st.size;
      if (st.size > memoryLimit && tmpPath) {
        const file = tmpPath();
        await copyFile(path, file);
        return { file, size: st.size };
      }
      const buf = await readFile(path);
      return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), size: buf.length };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundAttempt(url);
      if (error instanceof CorruptError) throw error;
      throw new RetryableError(`reading ${url}: ${(error as Error).message}`, undefined, error);
    }
  }

  private async send(url: string): Promise<Dispatcher.ResponseData> {
    this.stats.requests++;
    try {
      if (this.closed) throw new AbortedError('the fetcher is closed');
      const { agent, request } = await this.pool();
      return await request(url, {
        method: 'GET',
        dispatcher: agent,
        headers: this.headers,
        signal: this.signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (error) {
      throw this.transportError(error);
    }
  }

  private transportError(error: unknown): Error {
    if (this.signal?.aborted) return new AbortedError('operation cancelled', { cause: this.signal.reason });
    if (error instanceof RetryableError || isTsostreeError(error)) return error as Error;
    const e = error as { code?: string; message?: string; name?: string };
    const what = e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' ? `stalled (no data for ${this.timeoutMs} ms)` : (e.message ?? String(error));
    return new RetryableError(`${what}${e.code ? ` (${e.code})` : ''}`, undefined, error);
  }

  /** Sends the request and checks the status; the caller consumes `body`. */
  private async open(url: string, maxSize: number): Promise<Dispatcher.ResponseData> {
    const res = await this.send(url);
    if (res.statusCode === 200) {
      const len = res.headers['content-length'];
      if (typeof len === 'string' && Number(len) > maxSize) {
        await res.body.dump().catch(() => undefined);
        throw new CorruptError(`${url} is too large (${len} bytes, limit ${maxSize})`, { data: { url, size: Number(len) } });
      }
      return res;
    }
    await res.body.dump().catch(() => undefined);
    if (res.statusCode === 404 || res.statusCode === 410) throw new NotFoundAttempt(url);
    const retryable = res.statusCode >= 500 || res.statusCode === 408 || res.statusCode === 429;
    if (retryable) throw new RetryableError(`server answered HTTP ${res.statusCode}`, res.statusCode);
    throw new NetworkError(`fetching ${url}: server answered HTTP ${res.statusCode}`, { data: { url, status: res.statusCode } });
  }

  private async httpGet(url: string, maxSize: number, memoryLimit: number, tmpPath?: () => string): Promise<FetchedBody> {
    const res = await this.open(url, maxSize);
    const chunks: Buffer[] = [];
    let total = 0;
    let out: TempFileWriter | undefined;
    const len = Number(res.headers['content-length'] ?? NaN);
    const spill = (): void => {
      // A 1 MiB buffer: the default 16 KiB made every network chunk wait for its disk write.
      out = new TempFileWriter(tmpPath!(), { mode: 0o644, highWaterMark: 1024 * 1024 });
      for (const c of chunks.splice(0)) out.queue(c);
    };
    try {
      if (tmpPath && Number.isFinite(len) && len > memoryLimit) spill();
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        total += chunk.length;
        this.stats.bytes += chunk.length;
        if (total > maxSize) {
          res.body.destroy();
          throw new CorruptError(`${url} is larger than the ${maxSize}-byte limit`, { data: { url } });
        }
        if (out) {
          await out.write(chunk);
        } else {
          chunks.push(chunk);
          if (tmpPath && total > memoryLimit) spill();
        }
      }
      if (out) {
        await out.end();
        return { file: out.path, size: total };
      }
    } catch (error) {
      await out?.discard();
      if (error instanceof CorruptError) throw error;
      const errno = (error as NodeJS.ErrnoException).code;
      if (errno === 'ENOSPC' || errno === 'EDQUOT' || errno === 'EACCES' || errno === 'EROFS') throw fromSystemError(error, `writing ${out?.path}`);
      throw this.transportError(error);
    }
    const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
    return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), size: total };
  }
}

/** Creates a fetcher (see {@link Fetcher}). */
export function createFetcher(options: FetcherOptions): Fetcher {
  return new Fetcher(options);
}
