import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTsostreeError } from '@tsostree/errors';
import { createFetcher } from './fetcher.js';

describe('Fetcher connection pool (made on the first HTTP request)', () => {
  let server: Server;
  let base: string;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      res.end(`body of ${req.url}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fetches over HTTP, many requests through one pool, and closes it', async () => {
    const fetcher = createFetcher({ baseUrls: [base], retries: 0 });
    const bodies = await Promise.all(['a', 'b', 'c'].map((p) => fetcher.fetch(p)));
    expect(bodies.map((b) => Buffer.from(b).toString())).toEqual(['body of /repo/a', 'body of /repo/b', 'body of /repo/c']);
    await fetcher.close();
  });

  it('a fetcher closed before or after its first request makes no more requests', async () => {
    for (const warm of [false, true]) {
      const fetcher = createFetcher({ baseUrls: [base], retries: 0, timeLimitMs: 2_000 });
      if (warm) await fetcher.fetch('warm');
      await fetcher.close();
      const before = requests;
      const error = await fetcher.fetch('late').catch((e: unknown) => e);
      expect(isTsostreeError(error)).toBe(true);
      expect((error as Error).message).toMatch(/closed/);
      expect(requests).toBe(before);
    }
  });
});
