// End to end: compose v1 from the demo RPM repository → serve the ostree repo with the real nginx → a client
// sysroot pulls and deploys it → compose v2 (demo-hello upgraded) → `tsostree upgrade` over HTTP → status shows
// the new version, db diff shows exactly that upgrade → rollback.
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import { serveWithNginx } from '../../test/nginx-serve.js';
import { removeTree, tempDir } from '../../test/sysroot-fixture.js';

const DEMO = join(import.meta.dirname, '..', '..', '..', '..', 'tools', 'demo-rpms');
let work: string;
let server: string;
let root: string;
let nginx: Awaited<ReturnType<typeof serveWithNginx>> | undefined;

async function ok(args: string[]): Promise<string> {
  const r = await runCli(args);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.status, args.join(' ')).toBe(0);
  return r.stdout;
}

async function compose(repoDir: string): Promise<{ commit: string; version: string; changed: boolean }> {
  await writeFile(join(work, 'config', 'demo.repo'), `[demo]\nname=demo\nbaseurl=${pathToFileURL(repoDir).href}\n`);
  const out = await ok(['compose', 'tree', `--repo=${server}`, `--cachedir=${join(work, 'cache')}`, '--json', join(work, 'config', 'tree.yaml')]);
  return JSON.parse(out.trim().split('\n').at(-1)!) as { commit: string; version: string; changed: boolean };
}

beforeAll(async () => {
  work = await tempDir('cli-compose-e2e');
  server = join(work, 'server');
  root = join(work, 'sysroot');
  await mkdir(join(work, 'config'));
  await writeFile(
    join(work, 'config', 'tree.yaml'),
    'ref: demo/x86_64/stable\nrepos: [demo]\npackages: [kernel, demo-hello, demo-release]\nautomatic-version-prefix: "1"\n',
  );
  await ok(['ostree', 'init', `--repo=${server}`, '--mode=archive']);
});
afterAll(async () => {
  await nginx?.stop();
  await removeTree(work);
});

describe('compose → serve → deploy → compose v2 → upgrade → db diff → rollback', () => {
  it('runs the whole cycle', async () => {
    const v1 = await compose(join(DEMO, 'repo-v1'));
    expect(v1).toMatchObject({ changed: true, version: '1' });
    nginx = await serveWithNginx(server);

    await mkdir(root);
    const S = `--sysroot=${root}`;
    await ok(['ostree', 'admin', 'init-fs', root]);
    await ok(['ostree', 'admin', 'os-init', S, 'os']);
    await ok(['ostree', 'remote', 'add', `--repo=${join(root, 'ostree/repo')}`, '--no-gpg-verify', 'origin', nginx.url]);
    await ok(['ostree', 'pull', `--repo=${join(root, 'ostree/repo')}`, 'origin', 'demo/x86_64/stable']);
    await ok(['ostree', 'admin', 'deploy', S, '--os=os', 'origin:demo/x86_64/stable']);
    const first = JSON.parse(await ok(['status', S, '--json'])).deployments[0];
    expect(first).toMatchObject({ checksum: v1.commit, version: '1', origin: 'origin:demo/x86_64/stable' });

    const v2 = await compose(join(DEMO, 'repo-v2'));
    expect(v2).toMatchObject({ changed: true, version: '1.1' });
    await ok(['upgrade', S, '--os=os']);
    const deployments = JSON.parse(await ok(['status', S, '--json'])).deployments;
    expect(deployments[0]).toMatchObject({ checksum: v2.commit, version: '1.1' });
    expect(deployments[1]).toMatchObject({ checksum: v1.commit, version: '1' });

    const diff = await ok(['db', 'diff', `--repo=${join(root, 'ostree/repo')}`, v1.commit, v2.commit]);
    expect(diff).toMatch(/\nUpgraded:\n  demo-hello 1\.0-1[^\n]* -> 2\.0-1[^\n]*\n$/);
    expect(diff.match(/^ {2}\S/gm)).toHaveLength(1);

    await ok(['rollback', S, '--os=os']);
    expect(JSON.parse(await ok(['status', S, '--json'])).deployments[0]).toMatchObject({ checksum: v1.commit, version: '1' });
  }, 240_000);
});
