/**
 * Reading `file://` and `http(s)://` URLs as byte streams (Node's built-in fetch for HTTP), with byte
 * ranges for resuming, retries for transient network failures, and size limits.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CorruptError, InvalidArgumentError, NetworkError, NotFoundError, fromSystemError, isTsostreeError, throwIfAborted } from '@tsostree/errors';

export interface OpenUrlOptions {
  signal?: AbortSignal;
  /** Start at this byte (HTTP `Range`); check `UrlStream.offset` for what the server honoured. */
  offset?: number;
  /** Attempts for transient HTTP failures (default 3). */
  attempts?: number;
}

export interface UrlStream {
  /** The byte offset the stream starts at (0 when a server ignored the range). */
  offset: number;
  /** Total size when known. */
  size?: number;
  body: AsyncIterable<Uint8Array>;
}

/** Joins a base URL (ending in `/`) and a relative path that was already checked to stay inside it. */
export function joinUrl(base: string, href: string): string {
  const b = base.endsWith('/') ? base : `${base}/`;
  const prefix = new URL(b).href;
  const url = new URL(href, prefix);
  if (!url.href.startsWith(prefix)) {
    throw new InvalidArgumentError(`${href} leaves ${base}`, { data: { base, href } });
  }
  return url.href;
}

function isLocal(url: string): boolean {
  return /^file:/i.test(url);
}

/** Opens a URL for reading. Missing files / 404 → NotFoundError; other failures → NetworkError/IoError. */
export async function openUrl(url: string, options: OpenUrlOptions = {}): Promise<UrlStream> {
  throwIfAborted(options.signal);
  const offset = options.offset ?? 0;
  if (isLocal(url)) {
    const path = fileURLToPath(url);
    let size: number;
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new InvalidArgumentError(`${url}: not a regular file`, { data: { url } });
      size = st.size;
    } catch (err) {
      if (isTsostreeError(err)) throw err;
      throw fromSystemError(err, url);
    }
    const start = Math.min(offset, size);
    const body = (async function* () {
      try {
        for await (const chunk of createReadStream(path, { start, highWaterMark: 256 * 1024, signal: options.signal })) yield chunk as Buffer;
      } catch (err) {
        if ((err as Error).name === 'AbortError') throwIfAborted(options.signal);
        throw fromSystemError(err, url);
      }
    })();
    return { offset: start, size, body };
  }
  const attempts = options.attempts ?? 3;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    throwIfAborted(options.signal);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
        signal: options.signal,
        redirect: 'follow',
      });
    } catch (err) {
      throwIfAborted(options.signal);
      lastError = new NetworkError(`${url}: ${(err as Error).message}`, { cause: err, data: { url } });
      await new Promise((r) => setTimeout(r, 100 * attempt));
      continue;
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      throw new NotFoundError(`${url}: HTTP ${response.status}`, { data: { url, status: response.status } });
    }
    if (response.status === 416 && offset > 0) {
      await response.body?.cancel();
      return openUrl(url, { ...options, offset: 0 });
    }
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel();
      lastError = new NetworkError(`${url}: HTTP ${response.status}`, { data: { url, status: response.status } });
      await new Promise((r) => setTimeout(r, 100 * attempt));
      continue;
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      throw new NetworkError(`${url}: HTTP ${response.status}`, { data: { url, status: response.status } });
    }
    const partial = response.status === 206;
    const length = Number(response.headers.get('content-length') ?? NaN);
    const start = partial ? offset : 0;
    const body = response.body;
    if (!body) throw new NetworkError(`${url}: empty response`, { data: { url } });
    return {
      offset: start,
      size: Number.isFinite(length) ? start + length : undefined,
      body: (async function* () {
        try {
          for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) yield chunk;
        } catch (err) {
          throwIfAborted(options.signal);
          throw new NetworkError(`${url}: ${(err as Error).message}`, { cause: err, data: { url } });
        }
      })(),
    };
  }
  throw lastError;
}

/** Reads a whole URL into memory, refusing more than `maxBytes`. */
export async function fetchBytes(url: string, options: { signal?: AbortSignal; maxBytes: number }): Promise<Uint8Array> {
  const { body, size } = await openUrl(url, { signal: options.signal });
  if (size !== undefined && size > options.maxBytes) {
    throw new CorruptError(`${url}: ${size} bytes, more than the ${options.maxBytes} allowed`, { data: { url, size } });
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > options.maxBytes) throw new CorruptError(`${url}: more than the ${options.maxBytes} bytes allowed`, { data: { url } });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
