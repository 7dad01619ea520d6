// `tsostree ostree pull` options around static deltas and HTTP: --disable-static-deltas,
// --require-static-deltas (ostree's wording for a missing delta), --disable-fsync and --http-header, against a
// repository made by real ostree and served over loopback HTTP.
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { recordSyncfsCalls, startNginx, type NginxServer } from '@tsostree/objstore/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

function ostree(args: string[]): string {
  return execFileSync('ostree', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

let dir: string;
let source: string;
let v1: string;
let v2: string;
let nginx: NginxServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-pull-deltas-'));
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'usr/bin'), { recursive: true });
  const big = Buffer.alloc(200_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
  await writeFile(join(tree, 'usr/bin/tool'), big, { mode: 0o755 });
  await writeFile(join(tree, 'os-release'), 'NAME=test\nVERSION=1\n');
  source = join(dir, 'source');
  ostree(['init', `--repo=${source}`, '--mode=archive']);
  v1 = ostree(['commit', `--repo=${source}`, '-b', 'os/main', '--timestamp=@1577836800', '-s', 'one', tree]);
  big[1000] ^= 0xff;
  await writeFile(join(tree, 'usr/bin/tool'), big, { mode: 0o755 });
  await writeFile(join(tree, 'os-release'), 'NAME=test\nVERSION=2\n');
  v2 = ostree(['commit', `--repo=${source}`, '-b', 'os/main', '--timestamp=@1577923200', '-s', 'two', tree]);
  ostree(['static-delta', 'generate', `--repo=${source}`, `--from=${v1}`, `--to=${v2}`]);
  ostree(['summary', '-u', `--repo=${source}`]);
  nginx = await startNginx(source);
}, 60_000);

afterAll(async () => {
  await nginx?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A bare-user client holding v1, with origin:os/main → v1 and `origin` at `url`. */
function clientAtV1(name: string, url = nginx.url): string {
  const repo = join(dir, name);
  ostree(['init', `--repo=${repo}`, '--mode=bare-user']);
  ostree(['pull-local', `--repo=${repo}`, source, v1]);
  ostree(['refs', `--repo=${repo}`, '--create=origin:os/main', v1]);
  ostree(['remote', 'add', `--repo=${repo}`, '--no-gpg-verify', 'origin', url]);
  return repo;
}

function pathsDuring<T>(run: () => Promise<T>): Promise<{ result: T; paths: string[] }> {
  const before = nginx.requestedPaths().length;
  return run().then((result) => ({ result, paths: nginx.requestedPaths().slice(before) }));
}

describe('tsostree ostree pull: static-delta and HTTP options', () => {
  it('uses the v1 → v2 delta by default, and plain objects with --disable-static-deltas', async () => {
    const withDelta = clientAtV1('with-delta');
    const a = await pathsDuring(() => runCli(['ostree', 'pull', `--repo=${withDelta}`, 'origin', 'os/main']));
    expect(a.result.stderr).toBe('');
    expect(a.result.status).toBe(0);
    // ostree's closing line for a delta pull.
    expect(a.result.stdout).toMatch(/^1 delta parts, \d+ loose fetched; \d+ KiB transferred in \d+ seconds\n$/);
    expect(a.paths.some((p) => p.startsWith('/deltas/'))).toBe(true);
    expect(a.paths.some((p) => p.endsWith('.filez'))).toBe(false);

    const without = clientAtV1('without-delta');
    const b = await pathsDuring(() => runCli(['ostree', 'pull', `--repo=${without}`, '--disable-static-deltas', 'origin', 'os/main']));
    expect(b.result.stderr).toBe('');
    expect(b.result.status).toBe(0);
    expect(b.paths.some((p) => p.startsWith('/deltas/') || p.startsWith('/delta-indexes/'))).toBe(false);
    expect(b.paths.some((p) => p.endsWith('.filez'))).toBe(true);
    expect(b.result.stdout).toMatch(/^\d+ metadata, 2 content objects fetched/);
    for (const repo of [withDelta, without]) {
      expect(ostree(['rev-parse', `--repo=${repo}`, 'origin:os/main'])).toBe(v2);
      ostree(['fsck', `--repo=${repo}`]);
    }
  });

  it('--require-static-deltas: pulls through the delta, and fails like ostree when there is none', async () => {
    const ok = clientAtV1('require-ok');
    const r = await runCli(['ostree', 'pull', `--repo=${ok}`, '--require-static-deltas', 'origin', 'os/main']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(ostree(['rev-parse', `--repo=${ok}`, 'origin:os/main'])).toBe(v2);

    // An empty client would need a delta from scratch, which the server does not have.
    const empty = join(dir, 'require-empty');
    ostree(['init', `--repo=${empty}`, '--mode=bare-user']);
    ostree(['remote', 'add', `--repo=${empty}`, '--no-gpg-verify', 'origin', nginx.url]);
    const theirs = join(dir, 'require-empty-ostree');
    ostree(['init', `--repo=${theirs}`, '--mode=bare-user']);
    ostree(['remote', 'add', `--repo=${theirs}`, '--no-gpg-verify', 'origin', nginx.url]);
    let theirError = '';
    try {
      ostree(['pull', `--repo=${theirs}`, '--require-static-deltas', 'origin', 'os/main']);
    } catch (error) {
      theirError = String((error as { stderr?: string }).stderr);
    }
    expect(theirError).toContain(`Static deltas required, but none found for os/main to ${v2}`);
    const missing = await runCli(['ostree', 'pull', `--repo=${empty}`, '--require-static-deltas', 'origin', 'os/main']);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain(`Static deltas required, but none found for os/main to ${v2}`);
    expect(() => ostree(['rev-parse', `--repo=${empty}`, 'origin:os/main'])).toThrow();

    const both = await runCli(['ostree', 'pull', `--repo=${empty}`, '--require-static-deltas', '--disable-static-deltas', 'origin', 'os/main']);
    expect(both.status).not.toBe(0);
    expect(both.stderr).toContain("Can't specify both --disable-static-deltas and --require-static-deltas");
  });

  it('--disable-fsync: no syncfs (calls of the syncfs addon recorded, or a `sync` on PATH that records its calls) and no config change', async () => {
    const bin = join(dir, 'fake-bin');
    const log = join(dir, 'sync-calls.log');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'sync'), `#!/bin/sh\necho "$@" >> '${log}'\nexec /bin/sync "$@"\n`, { mode: 0o755 });
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
    const native = recordSyncfsCalls();
    const syncs = async (): Promise<number> => native.calls.length + ((await stat(log).catch(() => undefined))?.size ?? 0);
    try {
      const quiet = clientAtV1('no-fsync');
      const config = ostree(['config', `--repo=${quiet}`, 'get', 'core.mode']);
      const r = await runCli(['ostree', 'pull', `--repo=${quiet}`, '--disable-fsync', 'origin', 'os/main']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(ostree(['rev-parse', `--repo=${quiet}`, 'origin:os/main'])).toBe(v2);
      expect(await syncs()).toBe(0);
      expect(() => ostree(['config', `--repo=${quiet}`, 'get', 'core.fsync'])).toThrow();
      expect(ostree(['config', `--repo=${quiet}`, 'get', 'core.mode'])).toBe(config);
      // Without the option the same pull syncs the filesystem.
      const synced = clientAtV1('with-fsync');
      expect((await runCli(['ostree', 'pull', `--repo=${synced}`, 'origin', 'os/main'])).status).toBe(0);
      expect(await syncs()).toBeGreaterThan(0);
    } finally {
      process.env.PATH = savedPath;
      native.restore();
    }
  });

  it('--http-header sends NAME=VALUE with every request; a value without =, a bad name or control characters are refused before any request', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(req.headers);
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      const file = join(source, path);
      stat(file).then(
        (st) => {
          if (!st.isFile()) throw new Error('not a file');
          res.writeHead(200, { 'content-length': st.size });
          createReadStream(file).pipe(res);
        },
        () => {
          res.writeHead(404);
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const repo = clientAtV1('headers', `http://127.0.0.1:${port}`);
      const r = await runCli(['ostree', 'pull', `--repo=${repo}`, '--http-header=X-Test=one=1', '--http-header=X-Other=2', 'origin', 'os/main']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(seen.length).toBeGreaterThan(1);
      for (const h of seen) {
        expect(h['x-test']).toBe('one=1');
        expect(h['x-other']).toBe('2');
      }
      const bad = await runCli(['ostree', 'pull', `--repo=${repo}`, '--http-header=X-Test', 'origin', 'os/main']);
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toContain("Missing '=' in --http-header");
      const before = seen.length;
      for (const [arg, message] of [
        ['--http-header=X-A=a\r\nX-Injected: 1', 'Invalid header value in --http-header X-A'],
        ['--http-header=X-A=a\u0000b', 'Invalid header value in --http-header X-A'],
        ['--http-header=Bad Name=1', 'Invalid header name in --http-header: "Bad Name"'],
        ['--http-header=X:Y=1', 'Invalid header name in --http-header: "X:Y"'],
      ] as const) {
        const hostile = await runCli(['ostree', 'pull', `--repo=${repo}`, arg, 'origin', 'os/main']);
        expect({ arg, status: hostile.status === 0 ? 0 : 'failed', message: hostile.stderr.includes(message) }).toEqual({ arg, status: 'failed', message: true });
      }
      // Refused before any request.
      expect(seen.length).toBe(before);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
