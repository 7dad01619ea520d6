/**
 * Pull via static deltas over HTTP (nginx): tsostree's pull uses the delta the remote lists (in
 * the summary or a delta index), fetches fallback objects separately, and falls back to objects
 * when there is no delta. Real ostree fsck checks the results.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticDeltaDir } from '../format/static-delta.js';
import { Repo } from '../repo.js';
import { readRef, writeRef } from '../repo-refs.js';
import { addRemote } from '../repo-remotes.js';
import { updateSummary } from '../repo-summary.js';
import { IoError } from '@tsostree/errors';
import { readMetadataObject } from '../repo-objects.js';
import { PullEngine } from '../pull/pull-engine.js';
import { LocalPullSource } from '../pull/pull-source.js';
import { pullRemote } from '../pull/repo-pull.js';
import { lsCommit, makeDeltaFixture, ostreeCmd, type DeltaFixture } from '../../test/delta-fixture.js';
import { startNginx, type NginxServer } from '../../test/nginx.js';
import { tempDir } from '../../test/tmp.js';
import { generateStaticDelta } from './delta-generate.js';

let work: string;
let fx: DeltaFixture;
let nginx: NginxServer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'delta-pull-'));
  fx = makeDeltaFixture(work);
  const repo = await Repo.open(fx.repo);
  await generateStaticDelta(repo, { from: fx.from, to: fx.to });
  // From scratch with a fallback: the 1.2 MB file must be fetched as a loose object.
  await generateStaticDelta(repo, { from: null, to: fx.to, minFallbackSize: 500_000 });
  await updateSummary(repo);
  nginx = await startNginx(fx.repo);
}, 120_000);

afterAll(async () => {
  await nginx?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function client(mode: 'archive' | 'bare-user'): Promise<Repo> {
  const repo = await Repo.init(join(await tempDir('delta-pull-client-'), 'repo'), { mode });
  await addRemote(repo, 'origin', nginx.url, { noGpgVerify: true });
  return repo;
}

describe('pull via static deltas', () => {
  it('from scratch: the scratch delta plus its fallback object; real fsck passes', async () => {
    const repo = await client('archive');
    const r = await pullRemote(repo, 'origin', { refs: ['main'] });
    expect(r.staticDeltas).toEqual([fx.to]);
    expect(r.contentFetched).toBe(1); // the fallback
    expect(await readRef(repo, { remote: 'origin', ref: 'main' })).toBe(fx.to);
    expect(ostreeCmd(repo.path, 'fsck')).toContain('completed successfully');
    expect(lsCommit(repo.path, fx.to)).toBe(lsCommit(fx.repo, fx.to));
  }, 60_000);

  it('from→to: only the small delta travels', async () => {
    const repo = await client('bare-user');
    await pullRemote(repo, 'origin', { refs: [fx.from], staticDeltas: false });
    await writeRef(repo, { remote: 'origin', ref: 'main' }, fx.from);
    const r = await pullRemote(repo, 'origin', { refs: ['main'] });
    expect(r.staticDeltas).toEqual([`${fx.from}-${fx.to}`]);
    // The walk of the new commit runs while the delta's objects are still being committed: it takes them
    // as present (no object fetched loose), and the partial mark goes only after they are stored.
    expect(r.contentFetched).toBe(0);
    expect(r.metadataFetched).toBe(0);
    expect(r.partialCommits).toEqual([]);
    expect(existsSync(join(repo.path, 'state', `${fx.to}.commitpartial`))).toBe(false);
    expect(r.bytesTransferred).toBeLessThan(100_000);
    expect(ostreeCmd(repo.path, 'fsck')).toContain('completed successfully');
    expect(lsCommit(repo.path, fx.to)).toBe(lsCommit(fx.repo, fx.to));
  }, 60_000);

  it('found through the delta index when the summary does not list it', async () => {
    const summary = await readFile(join(fx.repo, 'summary'));
    try {
      await updateSummary(await Repo.open(fx.repo));
      // Rewrite the summary without ostree.static-deltas (indexed-deltas stays true).
      const { parseSummary, serializeSummary } = await import('../format/summary.js');
      const s = parseSummary(new Uint8Array(await readFile(join(fx.repo, 'summary'))));
      s.metadata = s.metadata.filter(([k]) => k !== 'ostree.static-deltas');
      await writeFile(join(fx.repo, 'summary'), serializeSummary(s));
      const repo = await client('archive');
      const r = await pullRemote(repo, 'origin', { refs: ['main'] });
      expect(r.staticDeltas).toEqual([fx.to]);
      expect(ostreeCmd(repo.path, 'fsck')).toContain('completed successfully');
    } finally {
      await writeFile(join(fx.repo, 'summary'), summary);
    }
  }, 60_000);

  it('no delta on the server → plain object pull', async () => {
    const repo = await client('archive');
    const r = await pullRemote(repo, 'origin', { refs: ['main'], staticDeltas: false });
    expect(r.staticDeltas).toBeUndefined();
    expect(r.contentFetched).toBeGreaterThan(300);
    expect(ostreeCmd(repo.path, 'fsck')).toContain('completed successfully');
  }, 60_000);

  it("the walk does not outrun the delta's commit: when storing the staged objects fails, the pull fails and the commit stays partial", async () => {
    const repo = await client('bare-user');
    await pullRemote(repo, 'origin', { refs: [fx.from], staticDeltas: false });
    const server = await Repo.open(fx.repo);
    const bytes = await readMetadataObject(server, 'commit', fx.to);
    await mkdir(join(repo.path, 'state'), { recursive: true });
    await writeFile(join(repo.path, 'state', `${fx.to}.commitpartial`), '');
    // The delta's commit settles (here: fails) only after the walk is done.
    let fail!: (e: Error) => void;
    const done = new Promise<void>((_, reject) => (fail = reject));
    done.catch(() => undefined);
    const engine = new PullEngine(repo, new LocalPullSource(repo, server), {
      pending: { objects: new Set(), commits: new Map([[fx.to, { bytes }]]), done },
      onProgress: (p) => {
        if (p.commits > 0) setTimeout(() => fail(new IoError('committing objects: disk on fire')), 20);
      },
    });
    await expect(engine.run([fx.to])).rejects.toThrow('disk on fire');
    expect(existsSync(join(repo.path, 'state', `${fx.to}.commitpartial`))).toBe(true);
    // The commit object itself was never stored (the delta writes it last); the objects the walk fetched were.
    expect(existsSync(join(repo.path, 'objects', fx.to.slice(0, 2), `${fx.to.slice(2)}.commit`))).toBe(false);
    expect(engine.progress.contentFetched).toBeGreaterThan(0);
  }, 60_000);

  it('after a delta, the walk skips what the new commit shares with the complete commit the delta came from, and still fetches what a changed directory misses', async () => {
    const server = await Repo.open(fx.repo);
    const contentOf = (path: string): string => /\b([0-9a-f]{64})\b/.exec(ostreeCmd(fx.repo, 'ls', '-C', fx.to, path))![1]!;
    // Left out of the repository: a changed file in /, one in /data, the new file of a new directory, and a file of /sub, which
    // `from` and `to` share (a repository whose complete commit lost an object: the walk trusts `from`, as ostree does).
    const changed = [contentOf('/a'), contentOf('/data/patch.bin'), contentOf('/newdir/inside')];
    const shared = contentOf('/sub/deeper/x');
    const objectFile = (repo: Repo, c: string): string => join(repo.path, 'objects', c.slice(0, 2), `${c.slice(2)}.file`);
    for (const bases of [undefined, new Map([[fx.to, fx.from]])]) {
      const repo = await client('bare-user');
      await pullRemote(repo, 'origin', { refs: [fx.from], staticDeltas: false });
      await pullRemote(repo, 'origin', { refs: [fx.to], staticDeltas: false });
      for (const c of [...changed, shared]) await rm(objectFile(repo, c));
      await writeFile(join(repo.path, 'state', `${fx.to}.commitpartial`), '');
      const engine = new PullEngine(repo, new LocalPullSource(repo, server), bases ? { bases } : {});
      await engine.run([fx.to]);
      expect(existsSync(join(repo.path, 'state', `${fx.to}.commitpartial`))).toBe(false);
      for (const c of changed) expect(existsSync(objectFile(repo, c))).toBe(true);
      if (bases) {
        expect(engine.progress.contentFetched).toBe(3);
        expect(existsSync(objectFile(repo, shared))).toBe(false);
      } else {
        expect(engine.progress.contentFetched).toBe(4);
        expect(ostreeCmd(repo.path, 'fsck')).toContain('completed successfully');
        expect(lsCommit(repo.path, fx.to)).toBe(lsCommit(fx.repo, fx.to));
      }
    }
  }, 60_000);

  it('a corrupted delta part on the server → ChecksumMismatch, no ref moves, the next pull recovers', async () => {
    const part = join(fx.repo, staticDeltaDir(null, fx.to), '0');
    const good = await readFile(part);
    const bad = Buffer.from(good);
    bad[bad.length - 3] ^= 0xff;
    await writeFile(part, bad);
    const repo = await client('archive');
    try {
      await expect(pullRemote(repo, 'origin', { refs: ['main'], retries: 0 })).rejects.toMatchObject({ code: 'ChecksumMismatch' });
      expect(await readRef(repo, { remote: 'origin', ref: 'main' })).toBeUndefined();
    } finally {
      await writeFile(part, good);
    }
    const r = await pullRemote(repo, 'origin', { refs: ['main'] });
    expect(r.staticDeltas).toEqual([fx.to]);
    expect(ostreeCmd(repo.path, 'fsck')).toContain('completed successfully');
  }, 60_000);
});
