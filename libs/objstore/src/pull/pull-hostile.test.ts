import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultServer, type FaultServer } from '../../test/fault-server.js';
import { tempDir } from '../../test/tmp.js';
import { checksumToBytes, sha256Hex } from '../format/checksum.js';
import { serializeCommit } from '../format/commit.js';
import { serializeDirMeta } from '../format/dirmeta.js';
import { serializeFilezHeader } from '../format/file-header.js';
import { serializeGVariant } from '../format/gvariant/serialize.js';
import { looseObjectPath } from '../format/object-path.js';
import { S_IFDIR, S_IFREG } from '../format/validate.js';
import { readRef } from '../repo-refs.js';
import { addRemote } from '../repo-remotes.js';
import { Repo } from '../repo.js';
import { pullRemote } from './repo-pull.js';

/** A hand-made archive repository served over HTTP, for objects real tools refuse to write. */
async function hostileServer(dir: string, build: (put: (path: string, bytes: Uint8Array | string) => void) => void): Promise<FaultServer> {
  const root = join(dir, 'served');
  mkdirSync(root, { recursive: true });
  const put = (path: string, bytes: Uint8Array | string): void => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), bytes);
  };
  put('config', '[core]\nrepo_version=1\nmode=archive-z2\n');
  build(put);
  return startFaultServer(root);
}

function putObject(put: (path: string, bytes: Uint8Array) => void, type: 'commit' | 'dirtree' | 'dirmeta', bytes: Uint8Array): string {
  const checksum = sha256Hex(bytes);
  put(looseObjectPath(checksum, type, true), bytes);
  return checksum;
}

function commitFor(put: (path: string, bytes: Uint8Array | string) => void, tree: Uint8Array): string {
  const meta = putObject(put, 'dirmeta', serializeDirMeta({ uid: 0, gid: 0, mode: S_IFDIR | 0o755, xattrs: [] }));
  const rootTree = putObject(put, 'dirtree', tree);
  const commit = putObject(put, 'commit', serializeCommit({ metadata: [], parent: null, related: [], subject: 's', body: '', timestamp: 1, rootTree, rootMeta: meta }));
  put('refs/heads/main', `${commit}\n`);
  return commit;
}

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function clientFor(dir: string, url: string): Promise<Repo> {
  const repo = await Repo.init(join(dir, 'client'), { mode: 'bare-user' });
  await addRemote(repo, 'origin', url, { noGpgVerify: true });
  return repo;
}

const quick = { refs: ['main'], backoffMs: 1, retries: 1 };

describe('hostile remotes', () => {
  it('a dirtree naming ".." is refused (ParseError) and nothing moves', async () => {
    const dir = await tempDir();
    const fake = '11'.repeat(32);
    server = await hostileServer(dir, (put) => {
      commitFor(put, serializeGVariant('(a(say)a(sayay))', [[['..', checksumToBytes(fake)]], []]));
    });
    const repo = await clientFor(dir, server.url);
    await expect(pullRemote(repo, 'origin', quick)).rejects.toMatchObject({ code: 'Parse' });
    expect(await readRef(repo, 'origin:main')).toBeUndefined();
    expect(server.requests.some((p) => p.includes('11111111'))).toBe(false);
  });

  it('a decompression bomb (tiny declared size) is a CorruptError, bounded work', async () => {
    const dir = await tempDir();
    const header = serializeFilezHeader({ size: 10, uid: 0, gid: 0, mode: S_IFREG | 0o644, rdev: 0, symlinkTarget: '', xattrs: [] });
    const bomb = Buffer.concat([header, deflateRawSync(Buffer.alloc(64 * 1024 * 1024))]);
    const name = 'ab'.repeat(32);
    server = await hostileServer(dir, (put) => {
      put(looseObjectPath(name, 'file', true), bomb);
      commitFor(put, serializeGVariant('(a(say)a(sayay))', [[['f', checksumToBytes(name)]], []]));
    });
    const repo = await clientFor(dir, server.url);
    const err = await pullRemote(repo, 'origin', quick).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'Corrupt' });
    expect((err as Error).message).toMatch(/larger than its declared 10 bytes/);
    expect((err as Error).message).toContain(name);
    expect(readdirSync(join(repo.path, 'tmp')).filter((n) => n !== 'cache')).toEqual([]);
  });

  it('garbage in refs/heads, the summary, or a bare-mode remote: clear typed errors', async () => {
    const dir = await tempDir();
    server = await hostileServer(dir, (put) => {
      put('refs/heads/main', 'not a checksum\n');
      put('refs/heads/other', `${'cd'.repeat(32)}\n`);
    });
    const repo = await clientFor(dir, server.url);
    await expect(pullRemote(repo, 'origin', quick)).rejects.toMatchObject({ code: 'Corrupt' });
    await expect(pullRemote(repo, 'origin', { ...quick, refs: ['../../etc/passwd'] })).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(pullRemote(repo, 'origin', { ...quick, refs: ['other'], subpaths: ['/usr/../etc'] })).rejects.toMatchObject({ code: 'InvalidArgument' });
    // a missing commit named by a ref: NotFound with the URL
    const missing = await pullRemote(repo, 'origin', { ...quick, refs: ['other'] }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'NotFound' });
    expect((missing as Error).message).toContain(`${server.url}/objects/cd/`);
    await server.stop();

    server = await hostileServer(join(dir, 's2'), (put) => {
      put('summary', new Uint8Array([1, 2, 3, 4, 5]));
    });
    const repo2 = await clientFor(join(dir, 'two'), server.url);
    await expect(pullRemote(repo2, 'origin', quick)).rejects.toMatchObject({ code: 'Parse' });
    await server.stop();

    server = await hostileServer(join(dir, 's3'), (put) => {
      put('config', '[core]\nrepo_version=1\nmode=bare\n');
    });
    const repo3 = await clientFor(join(dir, 'three'), server.url);
    await expect(pullRemote(repo3, 'origin', quick)).rejects.toMatchObject({ code: 'Unsupported' });
  });
});
