import { spawn } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isTsostreeError } from '@tsostree/errors';
import { startFaultServer, type FaultRule, type FaultServer } from '../../test/fault-server.js';
import { bytes, makeSampleTree } from '../../test/trees.js';
import { ostree, tempDir } from '../../test/tmp.js';
import { commitDirectory } from '../repo-commit.js';
import { isPartial } from '../repo-fsck.js';
import { verifyContent } from '../repo-content.js';
import { listObjects, readMetadataObject } from '../repo-objects.js';
import { readRef } from '../repo-refs.js';
import { addRemote } from '../repo-remotes.js';
import { updateSummary } from '../repo-summary.js';
import { Repo } from '../repo.js';
import { pullRemote, type PullOptions } from './repo-pull.js';

let work: string;
let sourcePath: string;
let head: string;
let contentCount: number;
let server: FaultServer;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tsostree-pull-faults-'));
  const tree = join(work, 'tree');
  await makeSampleTree(tree);
  // One body above the in-memory limit, so the spill-to-file path meets the faults too.
  writeFileSync(join(tree, 'usr/lib/huge.bin'), bytes(5 * 1024 * 1024, 77));
  for (let i = 0; i < 40; i++) writeFileSync(join(tree, `usr/lib/f${i}`), `file ${i}\n`.repeat(i + 1));
  sourcePath = join(work, 'source');
  const repo = await Repo.init(sourcePath, { mode: 'archive' });
  head = (await commitDirectory(repo, tree, { branch: 'main', subject: 's', timestamp: 1_700_000_000 })).checksum;
  await updateSummary(repo);
  contentCount = 0;
  for await (const o of listObjects(repo)) if (o.type === 'file') contentCount++;
  server = await startFaultServer(sourcePath);
});

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

afterEach(() => {
  server.rules.splice(0);
  server.requests.splice(0);
  server.injected.splice(0);
});

const isContent = (p: string): boolean => p.endsWith('.filez');
const isBig = (p: string): boolean => p.endsWith('.filez');

async function client(): Promise<Repo> {
  const dir = await tempDir();
  const repo = await Repo.init(join(dir, 'repo'), { mode: 'bare-user' });
  await addRemote(repo, 'origin', server.url, { noGpgVerify: true });
  return repo;
}

const fast: PullOptions = { refs: ['main'], backoffMs: 1, timeoutMs: 2000, concurrency: 4 };

function rule(match: (p: string) => boolean, fault: FaultRule['fault'], times?: number): void {
  server.rules.push({ match, fault, ...(times !== undefined ? { times } : {}) });
}

/** Every content object path of the source, sorted. */
function contentPaths(): string[] {
  return readdirSync(join(sourcePath, 'objects'), { recursive: true })
    .map(String)
    .filter((n) => n.endsWith('.filez'))
    .map((n) => `objects/${n}`)
    .sort();
}

/** A deterministic content object path of the source. */
function someContentPath(): string {
  return contentPaths()[0]!;
}

async function expectConsistent(repo: Repo): Promise<void> {
  expect(await readRef(repo, 'origin:main')).toBeUndefined();
  expect(await isPartial(repo, head)).toBe(true);
  expect(readdirSync(join(repo.path, 'tmp')).filter((n) => n !== 'cache')).toEqual([]);
  // Whatever is in objects/ is whole and verified: fsck of the loose objects passes.
  for await (const o of listObjects(repo)) expect(o.checksum).toMatch(/^[0-9a-f]{64}$/);
}

/** The failed pull kept the `firstFetched` objects it had verified; the next pull fetches only the rest. */
async function expectResumes(repo: Repo, firstFetched?: number): Promise<void> {
  server.rules.splice(0);
  const missing = await countMissing(repo);
  if (firstFetched !== undefined) expect(contentCount - missing).toBe(firstFetched);
  const r = await pullRemote(repo, 'origin', fast);
  expect(r.refs[0]!.checksum).toBe(head);
  expect(r.contentFetched).toBe(missing);
  expect(await isPartial(repo, head)).toBe(false);
  ostree(['fsck', `--repo=${repo.path}`]);
}

async function failure(repo: Repo, options: PullOptions = fast): Promise<{ error: Error & { code?: string; data?: Record<string, unknown> }; fetched: number }> {
  let fetched = 0;
  try {
    await pullRemote(repo, 'origin', { ...options, onProgress: (e) => (fetched = e.contentFetched) });
  } catch (error) {
    return { error: error as Error, fetched };
  }
  throw new Error('the pull was expected to fail');
}

describe('pull faults (in-test HTTP server)', () => {
  it('retries intermittent 500/503 answers, truncated bodies, resets and wrong bytes, then succeeds', async () => {
    const repo = await client();
    rule(isContent, '500', 3);
    rule(isContent, '503', 2);
    rule(isContent, 'truncate', 3);
    rule(isContent, 'reset', 3);
    rule(isContent, 'corrupt', 3);
    rule((p) => p.endsWith('.dirtree'), 'truncate', 2);
    rule((p) => p.endsWith('.commit'), 'corrupt', 1);
    const r = await pullRemote(repo, 'origin', fast);
    expect(r.retries).toBeGreaterThanOrEqual(17);
    expect(server.injected.length).toBe(17);
    expect(r.contentFetched).toBe(contentCount);
    expect(await readRef(repo, 'origin:main')).toBe(head);
    ostree(['fsck', `--repo=${repo.path}`]);
  });

  it('truncates and corrupts the large (spilled to disk) body, then succeeds', async () => {
    const repo = await client();
    const big = contentPaths().sort((a, b) => sizeOf(b) - sizeOf(a))[0]!;
    rule((p) => p === big, 'truncate', 1);
    rule((p) => p === big, 'corrupt', 1);
    const r = await pullRemote(repo, 'origin', fast);
    expect(server.injected).toEqual([`truncate ${big}`, `corrupt ${big}`]);
    expect(r.retries).toBe(2);
    ostree(['fsck', `--repo=${repo.path}`]);
  });

  it('persistent wrong bytes: ChecksumMismatchError naming the object and URL; consistent; resumes', async () => {
    const repo = await client();
    const bad = someContentPath();
    const other = contentPaths().find((p) => p !== bad)!;
    server.rules.push({ match: (p) => p === bad, fault: 'substitute', substitute: other });
    const { error, fetched } = await failure(repo, { ...fast, retries: 2 });
    expect(isTsostreeError(error, 'ChecksumMismatch')).toBe(true);
    expect(error.data?.expected).toBe(bad.slice(8, 10) + bad.slice(11, 73));
    expect(error.data?.actual).toBe(other.slice(8, 10) + other.slice(11, 73));
    const checksum = bad.slice(8, 10) + bad.slice(11, 73);
    expect(error.message).toContain(checksum);
    expect(error.message).toContain(`${server.url}/${bad}`);
    expect(server.injected.length).toBe(3);
    await expectConsistent(repo);
    await expectResumes(repo, fetched);
  });

  it('persistently damaged compressed bytes: CorruptError naming the object and URL', async () => {
    const repo = await client();
    const bad = someContentPath();
    rule((p) => p === bad, 'corrupt');
    const { error } = await failure(repo, { ...fast, retries: 1 });
    expect(isTsostreeError(error, 'Corrupt')).toBe(true);
    expect(error.message).toContain(`${server.url}/${bad}`);
    await expectConsistent(repo);
  });

  it('404 on a content object: NotFoundError naming the object and URL, without retries; consistent; resumes', async () => {
    const repo = await client();
    const bad = someContentPath();
    rule((p) => p === bad, '404');
    const { error, fetched } = await failure(repo);
    expect(isTsostreeError(error, 'NotFound')).toBe(true);
    expect(error.message).toContain(`${server.url}/${bad}`);
    expect(error.message).toMatch(/content object [0-9a-f]{64}/);
    expect(server.injected.length).toBe(1);
    await expectConsistent(repo);
    await expectResumes(repo, fetched);
  });

  it('persistent 5xx and resets: NetworkError after the retries, with the status and URL', async () => {
    const repo = await client();
    const bad = someContentPath();
    rule((p) => p === bad, '503');
    const { error } = await failure(repo, { ...fast, retries: 3 });
    expect(isTsostreeError(error, 'Network')).toBe(true);
    expect(error.message).toContain('HTTP 503');
    expect(error.message).toContain(`${server.url}/${bad}`);
    expect(error.data?.status).toBe(503);
    expect(server.injected.length).toBe(4);
    await expectConsistent(repo);

    server.rules.splice(0);
    rule((p) => p === bad, 'reset');
    const reset = await failure(repo, { ...fast, retries: 1 });
    expect(isTsostreeError(reset.error, 'Network')).toBe(true);
    expect(reset.error.message).toContain(bad);
    await expectConsistent(repo);
    await expectResumes(repo);
  });

  it('stalled responses (body or headers) time out and are retried; a stall that persists fails within the time limit', async () => {
    const repo = await client();
    const bad = someContentPath();
    rule((p) => p === bad, 'stall', 1);
    rule((p) => p.endsWith('.dirtree'), 'stall-headers', 1);
    const ok = await pullRemote(repo, 'origin', { ...fast, timeoutMs: 300 });
    expect(ok.retries).toBe(2);
    expect(ok.refs[0]!.checksum).toBe(head);

    const repo2 = await client();
    server.rules.splice(0);
    rule((p) => p === bad, 'stall');
    const started = Date.now();
    const { error } = await failure(repo2, { ...fast, timeoutMs: 200, retries: 100, timeLimitMs: 1500 });
    expect(Date.now() - started).toBeLessThan(8000);
    expect(isTsostreeError(error, 'Network')).toBe(true);
    expect(error.message).toMatch(/stalled|timeout/i);
    expect(error.message).toContain(bad);
    await expectConsistent(repo2);
  });

  it('slow but steady responses succeed', async () => {
    const repo = await client();
    rule(isContent, 'slow', 5);
    const r = await pullRemote(repo, 'origin', { ...fast, timeoutMs: 1000 });
    expect(r.retries).toBe(0);
    expect(r.refs[0]!.checksum).toBe(head);
  });

  it('refuses a body announced larger than the metadata limit without reading it', async () => {
    const repo = await client();
    rule((p) => p.endsWith('.dirtree'), 'huge');
    const { error } = await failure(repo);
    expect(isTsostreeError(error, 'Corrupt')).toBe(true);
    expect(error.message).toMatch(/too large/);
    expect(server.injected.length).toBe(1);
    await expectConsistent(repo);
  });

  it('a pull killed with SIGKILL leaves only whole objects; the next one fetches just the rest', async () => {
    const repo = await client();
    rule(isContent, 'slow');
    const child = spawn(
      process.execPath,
      ['--conditions=@tsostree/source', '--import', 'tsx', join(import.meta.dirname, '../../test/pull-child.ts'), repo.path, JSON.stringify({ ...fast, concurrency: 2, flushEvery: 3 })],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const last = out.trim().split('\n').pop() ?? '';
        if (last.startsWith('{') && (JSON.parse(last) as { contentFetched: number }).contentFetched >= 12) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`the child ended before it was killed: ${out} ${err}`)));
    });
    await new Promise((r) => child.once('exit', r));
    expect(await readRef(repo, 'origin:main')).toBeUndefined();
    expect(await isPartial(repo, head)).toBe(true);
    // Every object that made it into objects/ is whole and verified.
    let present = 0;
    for await (const o of listObjects(repo)) {
      if (o.type === 'file') {
        await verifyContent(repo, o.checksum);
        present++;
      } else if (o.type !== 'commitmeta') {
        await readMetadataObject(repo, o.type as 'dirtree', o.checksum);
      }
    }
    expect(present).toBeGreaterThanOrEqual(6);
    server.rules.splice(0);
    const r = await pullRemote(repo, 'origin', fast);
    expect(r.contentFetched).toBe(contentCount - present);
    // The killed process's staged temp files are cleaned up by the next pull.
    expect(readdirSync(join(repo.path, 'tmp')).filter((n) => n !== 'cache')).toEqual([]);
    ostree(['fsck', `--repo=${repo.path}`]);
  });

  it('an abort signal stops the pull with AbortedError and leaves the repository consistent', async () => {
    const repo = await client();
    rule(isBig, 'slow');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    let error: unknown;
    try {
      await pullRemote(repo, 'origin', { ...fast, signal: controller.signal });
    } catch (e) {
      error = e;
    }
    expect(isTsostreeError(error, 'Aborted')).toBe(true);
    await expectConsistent(repo);
    server.rules.splice(0);
    await pullRemote(repo, 'origin', fast);
    ostree(['fsck', `--repo=${repo.path}`]);
  });
});

function sizeOf(p: string): number {
  return statSync(join(sourcePath, p)).size;
}

async function countMissing(repo: Repo): Promise<number> {
  let have = 0;
  for await (const o of listObjects(repo)) if (o.type === 'file') have++;
  return contentCount - have;
}
