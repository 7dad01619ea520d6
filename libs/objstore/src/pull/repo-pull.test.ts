import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTree } from '../../test/ostree-fixture.js';
import { startNginx, type NginxServer } from '../../test/nginx.js';
import { TEST_GPG_KEYID_1, copyGpgHome, killGpgAgent } from '../../test/sign-fixture.js';
import { snapshotTree } from '../../test/snapshot.js';
import { makeSampleTree } from '../../test/trees.js';
import { ostree, tempDir } from '../../test/tmp.js';
import { checkoutCommit } from '../repo-checkout.js';
import { commitDirectory } from '../repo-commit.js';
import { fsckRepo, isPartial } from '../repo-fsck.js';
import { readRef } from '../repo-refs.js';
import { addRemote } from '../repo-remotes.js';
import { updateSummary } from '../repo-summary.js';
import { Repo, type RepoMode } from '../repo.js';
import { nodeXattrs } from '../xattrs.js';
import { pullLocal, pullRemote } from './repo-pull.js';

// One nginx for the whole file, serving a directory of repositories.
let served: string;
let nginx: NginxServer;
let counter = 0;

beforeAll(async () => {
  served = await import('node:fs/promises').then((fs) => fs.mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'tsostree-pull-served-')));
  nginx = await startNginx(served);
});

afterAll(async () => {
  await nginx?.stop();
  const fs = await import('node:fs/promises');
  if (served) await fs.rm(served, { recursive: true, force: true });
});

/** A new directory under the nginx root; returns its path and URL. */
function servedDir(): { path: string; url: string } {
  const name = `r${counter++}`;
  const path = join(served, name);
  mkdirSync(path);
  return { path, url: `${nginx.url}/${name}` };
}

async function ostreeCheckout(repo: string, rev: string, dest: string): Promise<string[]> {
  ostree(['checkout', `--repo=${repo}`, '-U', rev, dest]);
  return snapshotTree(dest);
}

describe('real ostree pulls from a tsostree-written archive repository (nginx)', () => {
  it('pulls, passes ostree fsck, and checks out the same tree', async () => {
    const work = await tempDir();
    const srv = servedDir();
    const tree = join(work, 'tree');
    await makeSampleTree(tree);
    const repo = await Repo.init(srv.path, { mode: 'archive' });
    const first = await commitDirectory(repo, tree, { branch: 'os/main', subject: 'v1', timestamp: 1_700_000_000 });
    writeFileSync(join(tree, 'usr/bin/new-tool'), 'new\n');
    const second = await commitDirectory(repo, tree, { branch: 'os/main', subject: 'v2', timestamp: 1_700_000_100, parent: first.checksum });
    await updateSummary(repo);

    const client = join(work, 'client');
    ostree(['init', `--repo=${client}`, '--mode=bare-user']);
    ostree(['remote', 'add', `--repo=${client}`, '--no-gpg-verify', 'origin', srv.url]);
    ostree(['pull', `--repo=${client}`, '--depth=1', 'origin', 'os/main']);
    ostree(['fsck', `--repo=${client}`]);
    expect(ostree(['rev-parse', `--repo=${client}`, 'origin:os/main']).trim()).toBe(second.checksum);
    expect(ostree(['rev-parse', `--repo=${client}`, 'origin:os/main^']).trim()).toBe(first.checksum);

    const theirs = await ostreeCheckout(client, 'origin:os/main', join(work, 'co-theirs'));
    await checkoutCommit(repo, 'os/main', join(work, 'co-ours'), { userMode: true });
    expect(theirs).toEqual(await snapshotTree(join(work, 'co-ours')));
  });
});

describe('tsostree pulls from a repository written by real ostree (nginx)', () => {
  let source: { path: string; url: string };
  let head: string;
  let parent: string;
  let reference: string[];
  let work: string;

  beforeAll(async () => {
    source = servedDir();
    work = await import('node:fs/promises').then((fs) => fs.mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'tsostree-pull-src-')));
    const tree = join(work, 'tree');
    makeTree(tree);
    // Bigger than CONTENT_MEMORY_LIMIT once compressed: fetched into a temp file (the write thread streams it).
    writeFileSync(join(tree, 'disk.img'), randomBytes(5 * 1024 * 1024));
    ostree(['init', `--repo=${source.path}`, '--mode=archive']);
    parent = ostree(['commit', `--repo=${source.path}`, '-b', 'main', '--timestamp=2023-11-14T22:13:20Z', '-s', 'first', '--add-detached-metadata-string=note=detached', tree]).trim();
    writeFileSync(join(tree, 'a'), 'hello again\n');
    head = ostree(['commit', `--repo=${source.path}`, '-b', 'main', '--timestamp=2023-11-15T22:13:20Z', '-s', 'second', tree]).trim();
    ostree(['commit', `--repo=${source.path}`, '-b', 'other', '--timestamp=2023-11-15T22:13:20Z', '-s', 'other', tree]);
    ostree(['summary', '-u', `--repo=${source.path}`]);
    reference = await ostreeCheckout(source.path, 'main', join(work, 'reference'));
  });

  afterAll(async () => {
    const fs = await import('node:fs/promises');
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  for (const mode of ['archive', 'bare', 'bare-user', 'bare-user-only'] as RepoMode[]) {
    it(`into a ${mode} repository: same tree, ostree fsck passes, ref moved`, async () => {
      const dir = await tempDir();
      const repo = await Repo.init(join(dir, 'repo'), { mode });
      await addRemote(repo, 'origin', source.url, { noGpgVerify: true });
      const events: number[] = [];
      const result = await pullRemote(repo, 'origin', { refs: ['main'], depth: 1, onProgress: (e) => events.push(e.contentFetched) });
      expect(result.refs).toEqual([{ ref: 'origin:main', checksum: head }]);
      expect(result.commits).toEqual([head]);
      expect(result.contentFetched).toBeGreaterThan(300);
      expect(result.bytesTransferred).toBeGreaterThan(0);
      expect(events.length).toBeGreaterThan(0);
      expect(await readRef(repo, 'origin:main')).toBe(head);
      expect(await isPartial(repo, head)).toBe(false);
      expect(await isPartial(repo, parent)).toBe(false);
      // bare-user-only drops xattrs, so real ostree's fsck refuses such objects there too
      // (verified with ostree 2022.7: `ostree pull` into bare-user-only, then fsck, fails the same way).
      if (mode !== 'bare-user-only') ostree(['fsck', `--repo=${repo.path}`]);
      // Detached metadata came along.
      expect(ostree(['show', `--repo=${repo.path}`, '--print-detached-metadata-key=note', parent]).trim()).toBe("'detached'");
      const theirs = await ostreeCheckout(repo.path, head, join(dir, 'co-ostree'));
      if (mode !== 'bare-user-only') expect(theirs).toEqual(reference);
      await checkoutCommit(repo, head, join(dir, 'co-ours'), { userMode: true });
      expect(await snapshotTree(join(dir, 'co-ours'))).toEqual(theirs);
      // Nothing left in tmp/.
      expect(readdirSync(join(repo.path, 'tmp')).filter((n) => n !== 'cache')).toEqual([]);

      // A second pull fetches nothing.
      const again = await pullRemote(repo, 'origin', { refs: ['main'] });
      expect(again.contentFetched).toBe(0);
      expect(again.metadataFetched).toBe(0);
      expect(again.refs).toEqual([{ ref: 'origin:main', checksum: head, previous: head }]);
    });
  }

  /** Every content object file of a repository: its bytes' hash, mode, mtime and `user.ostreemeta`. */
  function contentFiles(path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const fan of readdirSync(join(path, 'objects'))) {
      for (const name of readdirSync(join(path, 'objects', fan))) {
        if (!name.endsWith('.file')) continue;
        const file = join(path, 'objects', fan, name);
        const st = lstatSync(file);
        if (st.isSymbolicLink()) {
          out[fan + name] = { link: readlinkSync(file), mode: st.mode };
          continue;
        }
        const meta = nodeXattrs.get(file, 'user.ostreemeta');
        out[fan + name] = { sha: createHash('sha256').update(readFileSync(file)).digest('hex'), mode: st.mode, mtime: st.mtimeMs, meta: meta && Buffer.from(meta).toString('hex') };
      }
    }
    return out;
  }

  for (const mode of ['bare-user', 'bare-user-only'] as const) {
    it(`into ${mode}: the write thread creates the same object files as the synchronous path`, async () => {
      const dir = await tempDir();
      const files: Record<string, unknown>[] = [];
      for (const writeThread of [false, true]) {
        const repo = await Repo.init(join(dir, `repo-${writeThread}`), { mode });
        await addRemote(repo, 'origin', source.url, { noGpgVerify: true });
        const r = await pullRemote(repo, 'origin', { refs: ['main'], writeThread });
        expect(r.contentFetched).toBeGreaterThan(300);
        expect(await isPartial(repo, head)).toBe(false);
        expect(readdirSync(join(repo.path, 'tmp')).filter((n) => n !== 'cache')).toEqual([]);
        if (mode === 'bare-user') ostree(['fsck', `--repo=${repo.path}`]);
        files.push(contentFiles(repo.path));
      }
      expect(Object.keys(files[0]!).length).toBeGreaterThan(300);
      expect(files[1]).toEqual(files[0]);
    });
  }

  it('a full disk while content is fetched and written (tmpfs) → a typed ENOSPC error on either path; nothing half-written; a later pull completes', async () => {
    const dir = await tempDir();
    for (const writeThread of [false, true]) {
      const mnt = join(dir, `mnt-${writeThread}`);
      mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt]);
      try {
        const repo = await Repo.init(join(mnt, 'repo'), { mode: 'bare-user' });
        await addRemote(repo, 'origin', source.url, { noGpgVerify: true });
        // Everything once, then the regular files' objects go again and the commit is marked partial: the next pull
        // writes regular content files only (metadata and symlink objects are present).
        await pullRemote(repo, 'origin', { refs: ['main'], writeThread: false });
        for (const fan of readdirSync(join(repo.path, 'objects'))) {
          for (const name of readdirSync(join(repo.path, 'objects', fan))) {
            const file = join(repo.path, 'objects', fan, name);
            if (!name.endsWith('.file') || (Buffer.from(nodeXattrs.get(file, 'user.ostreemeta')!).readUInt32BE(8) & 0o170000) === 0o120000) continue;
            rmSync(file);
          }
        }
        writeFileSync(join(repo.path, 'state', `${head}.commitpartial`), '');
        // Room for a few more files only.
        const used = Number(execFileSync('df', ['--output=used', '-B1', mnt], { encoding: 'utf8' }).split('\n')[1]);
        execFileSync('mount', ['-o', `remount,size=${used + 256 * 1024}`, mnt]);
        const error = (await pullRemote(repo, 'origin', { refs: ['main'], writeThread }).catch((e: unknown) => e)) as { code: string; message: string; data: { errno?: string } };
        expect(error, `writeThread ${writeThread}`).toMatchObject({ code: 'Io', data: { errno: 'ENOSPC' }, message: expect.stringMatching(/^(storing (content )?object [0-9a-f]{64}(\.file)?|writing \/\S+): ENOSPC/) });
        expect(readdirSync(join(repo.path, 'tmp')).filter((n) => n !== 'cache')).toEqual([]);
        expect(await isPartial(repo, head)).toBe(true);
        // Only whole objects under their names (ostree fsck below checks their bytes, as the next pull keeps them).
        for (const fan of readdirSync(join(repo.path, 'objects'))) for (const name of readdirSync(join(repo.path, 'objects', fan))) expect(name).toMatch(/^[0-9a-f]{62}\.(file|dirtree|dirmeta|commit)$/);
        execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
        const done = await pullRemote(repo, 'origin', { refs: ['main'], writeThread });
        expect(done.contentFetched).toBeGreaterThan(200);
        expect(await isPartial(repo, head)).toBe(false);
        ostree(['fsck', `--repo=${repo.path}`]);
      } finally {
        execFileSync('umount', [mnt]);
      }
    }
  });

  it('uses the remote branches= when no ref is named, and pulls the same objects only once', async () => {
    const dir = await tempDir();
    const repo = await Repo.init(join(dir, 'repo'), { mode: 'archive' });
    await addRemote(repo, 'origin', source.url, { noGpgVerify: true, branches: ['main', 'other'] });
    const r = await pullRemote(repo, 'origin');
    expect(r.refs.map((x) => x.ref).sort()).toEqual(['origin:main', 'origin:other']);
    ostree(['fsck', `--repo=${repo.path}`]);
  });

  it('mirrors every ref and the summary with --mirror', async () => {
    const dir = await tempDir();
    const repo = await Repo.init(join(dir, 'repo'), { mode: 'archive' });
    await addRemote(repo, 'origin', source.url, { noGpgVerify: true });
    await pullRemote(repo, 'origin', { mirror: true });
    expect(await readRef(repo, 'main')).toBe(head);
    expect(await readRef(repo, 'other')).toBeDefined();
    expect(ostree(['summary', '--view', `--repo=${repo.path}`])).toContain('* main');
    ostree(['fsck', `--repo=${repo.path}`]);
  });

  it('--commit-metadata-only fetches only commits and leaves them partial', async () => {
    const dir = await tempDir();
    const repo = await Repo.init(join(dir, 'repo'), { mode: 'bare-user' });
    await addRemote(repo, 'origin', source.url, { noGpgVerify: true });
    const r = await pullRemote(repo, 'origin', { refs: ['main'], depth: -1, commitMetadataOnly: true });
    expect(r.contentFetched).toBe(0);
    expect(r.metadataFetched).toBe(2);
    expect(r.partialCommits.sort()).toEqual([head, parent].sort());
    expect(await isPartial(repo, head)).toBe(true);
    // A full pull afterwards completes it.
    const full = await pullRemote(repo, 'origin', { refs: ['main'] });
    expect(full.contentFetched).toBeGreaterThan(300);
    expect(await isPartial(repo, head)).toBe(false);
    ostree(['fsck', `--repo=${repo.path}`]);
  });

  it('--subpath fetches one directory and the trees leading to it', async () => {
    const dir = await tempDir();
    const repo = await Repo.init(join(dir, 'repo'), { mode: 'archive' });
    await addRemote(repo, 'origin', source.url, { noGpgVerify: true });
    const r = await pullRemote(repo, 'origin', { refs: ['main'], subpaths: ['/sub'] });
    expect(r.contentFetched).toBe(2); // sub/xa, sub/deeper/x
    expect(await isPartial(repo, head)).toBe(true);
    await checkoutCommit(repo, head, join(dir, 'co'), { userMode: true, subpath: '/sub' });
    expect(await snapshotTree(join(dir, 'co'))).toEqual(reference.filter((l) => l.includes(' /sub/')).map((l) => l.replace(' /sub/', ' /')));
  });

  it('pulls over a mirrorlist, skipping a dead mirror, and from contenturl', async () => {
    const dir = await tempDir();
    const list = servedDir();
    writeFileSync(join(list.path, 'mirrors'), `# mirrors\nhttp://127.0.0.1:1/dead\n\n${source.url}\n`);
    const repo = await Repo.init(join(dir, 'repo'), { mode: 'archive' });
    await addRemote(repo, 'origin', `mirrorlist=${list.url}/mirrors`, {
      noGpgVerify: true,
      options: { contenturl: `mirrorlist=${list.url}/mirrors` },
    });
    const r = await pullRemote(repo, 'origin', { refs: ['main'], backoffMs: 1 });
    expect(r.refs[0]!.checksum).toBe(head);
    ostree(['fsck', `--repo=${repo.path}`]);
  });

  it('pull-local copies from a bare-user repository into an archive one and back', async () => {
    const dir = await tempDir();
    const bareUser = await Repo.init(join(dir, 'bu'), { mode: 'bare-user' });
    await addRemote(bareUser, 'origin', source.url, { noGpgVerify: true });
    await pullRemote(bareUser, 'origin', { refs: ['main'] });
    const archive = await Repo.init(join(dir, 'ar'), { mode: 'archive' });
    const r = await pullLocal(archive, bareUser.path, { refs: ['origin:main'] });
    expect(r.refs).toEqual([{ ref: 'main', checksum: head }]);
    ostree(['fsck', `--repo=${archive.path}`]);
    const back = await Repo.init(join(dir, 'bu2'), { mode: 'bare-user' });
    await pullLocal(back, archive.path);
    expect(await readRef(back, 'main')).toBe(head);
    ostree(['fsck', `--repo=${back.path}`]);
    expect(await ostreeCheckout(back.path, 'main', join(dir, 'co'))).toEqual(reference);
  });
});

describe('updates walk the whole new commit, like ostree (nginx)', () => {
  it('an update refetches an object lost from an unchanged subtree, as real ostree pull does', async () => {
    const work = await tempDir();
    const srv = servedDir();
    const tree = join(work, 'tree');
    makeTree(tree);
    const src = await Repo.init(srv.path, { mode: 'archive' });
    const v1 = await commitDirectory(src, tree, { branch: 'main', subject: 'v1', timestamp: 1_700_000_000 });
    await updateSummary(src);
    const repo = await Repo.init(join(work, 'client'), { mode: 'archive' });
    await addRemote(repo, 'origin', srv.url, { noGpgVerify: true });
    await pullRemote(repo, 'origin', { refs: ['main'] });
    // An object of the unchanged subtree wide/ goes missing behind the repository's back.
    const lost = ostree(['ls', `--repo=${repo.path}`, '-C', 'main', '/wide/file-0000-']).trim().split(/\s+/)[4]!;
    const lostPath = (r: string): string => join(r, 'objects', lost.slice(0, 2), `${lost.slice(2)}.filez`);
    rmSync(lostPath(repo.path));

    writeFileSync(join(tree, 'a'), 'v2\n');
    await commitDirectory(src, tree, { branch: 'main', subject: 'v2', timestamp: 1_700_000_100, parent: v1.checksum });
    await updateSummary(src);
    const theirs = join(work, 'client-ostree');
    cpSync(repo.path, theirs, { recursive: true });
    ostree(['pull', `--repo=${theirs}`, 'origin', 'main']);
    const update = await pullRemote(repo, 'origin', { refs: ['main'] });
    // ostree marks a new commit partial while it fetches it, and a partial commit's stored dirtrees
    // are scanned too: the whole tree is walked and the lost object comes back, on both sides.
    expect(existsSync(lostPath(theirs))).toBe(true);
    expect({ content: update.contentFetched, metadata: update.metadataFetched }).toEqual({ content: 2, metadata: 2 });
    expect(existsSync(lostPath(repo.path))).toBe(true);
    expect((await fsckRepo(repo)).problems).toEqual([]);
    ostree(['fsck', `--repo=${repo.path}`]);
  });
});

describe('signatures are checked before anything of a commit is stored', () => {
  it('GPG: a commit signed by real `ostree gpg-sign` pulls; unsigned or unknown-key commits and summaries are refused', async () => {
    const dir = await tempDir();
    const home = copyGpgHome(dir);
    try {
      const srv = servedDir();
      const tree = join(dir, 'tree');
      await makeSampleTree(tree);
      ostree(['init', `--repo=${srv.path}`, '--mode=archive']);
      const commit = ostree(['commit', `--repo=${srv.path}`, '-b', 'main', '--timestamp=@1700000000', tree]).trim();
      ostree(['summary', '-u', `--repo=${srv.path}`]);

      const repo = await Repo.init(join(dir, 'repo'), { mode: 'bare-user' });
      await addRemote(repo, 'origin', srv.url); // gpg-verify defaults to true
      const unsigned = pullRemote(repo, 'origin', { refs: ['main'] });
      await expect(unsigned).rejects.toThrow(/GPG verification enabled, but no signatures found/);
      await expect(unsigned).rejects.toMatchObject({ code: 'SignatureInvalid' });
      expect(await readRef(repo, 'origin:main')).toBeUndefined();
      expect(existsSync(join(repo.path, 'objects', commit.slice(0, 2), `${commit.slice(2)}.commit`))).toBe(false);
      expect(existsSync(join(repo.path, 'state', `${commit}.commitpartial`))).toBe(false);

      ostree(['gpg-sign', `--repo=${srv.path}`, `--gpg-homedir=${home}`, 'main', TEST_GPG_KEYID_1]);
      await expect(pullRemote(repo, 'origin', { refs: ['main'] })).rejects.toThrow(/none are in trusted keyring/);
      copyFileSync(join(home, 'trusted/pubring.gpg'), join(repo.path, 'origin.trustedkeys.gpg'));
      const ok = await pullRemote(repo, 'origin', { refs: ['main'] });
      expect(ok.refs[0]!.checksum).toBe(commit);
      ostree(['fsck', `--repo=${repo.path}`]);

      // gpg-verify-summary: an unsigned summary is refused, a signed one accepted.
      const repo2 = await Repo.init(join(dir, 'repo2'), { mode: 'archive' });
      await addRemote(repo2, 'origin', srv.url, { options: { 'gpg-verify-summary': 'true' } });
      copyFileSync(join(home, 'trusted/pubring.gpg'), join(repo2.path, 'origin.trustedkeys.gpg'));
      await expect(pullRemote(repo2, 'origin', { refs: ['main'] })).rejects.toMatchObject({ code: 'SignatureInvalid' });
      ostree(['summary', '-u', `--repo=${srv.path}`, `--gpg-homedir=${home}`, `--gpg-sign=${TEST_GPG_KEYID_1}`]);
      expect((await pullRemote(repo2, 'origin', { refs: ['main'] })).refs[0]!.checksum).toBe(commit);
    } finally {
      killGpgAgent(home);
    }
  });
});
