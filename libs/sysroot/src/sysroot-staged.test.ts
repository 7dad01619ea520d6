import { cpSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBootable } from '../test/bootable.js';
import { commitTree, run, scratch, writeTree } from '../test/ostree-cli.js';
import { ignorePath } from '../test/pair.js';
import { snapshotLines, snapshotTree } from '../test/tree-snapshot.js';
import { Sysroot, type BootedSpec, initFs, initStateroot, parseStagedDeployment, serializeStagedDeployment, stagedDeploymentPath } from './index.js';

const GLIB_VARIANT_PY = fileURLToPath(new URL('../test/glib-variant.py', import.meta.url));
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('staged-deployment record', () => {
  it.each([
    { target: { stateroot: 'testos', checksum: A, serial: 0, bootcsum: B } },
    {
      target: { stateroot: 'testos', checksum: A, serial: 3, bootcsum: B },
      locked: true,
      merge: { stateroot: 'fedora', checksum: B, serial: 1, bootcsum: A },
      kargs: ['root=/dev/vda', 'quiet'],
      overlayInitrds: [A],
    },
  ])('is byte-identical to what GLib builds for ostree (%#)', (rec) => {
    const json = JSON.stringify({ ...rec, overlays: rec.overlayInitrds });
    const expected = run('/usr/bin/python3', [GLIB_VARIANT_PY, json]).trim();
    const ours = serializeStagedDeployment(rec);
    expect(Buffer.from(ours).toString('hex')).toBe(expected);
    expect(parseStagedDeployment(ours)).toEqual(rec);
  });

  it.each([
    ['empty', new Uint8Array()],
    ['garbage', new TextEncoder().encode('hello world')],
    ['no target', serializeStagedDeployment({ target: { stateroot: 'x', checksum: A, serial: 0, bootcsum: B } }).slice(0, 10)],
  ])('refuses a %s record', (_label, bytes) => {
    expect(() => parseStagedDeployment(bytes)).toThrowError(expect.objectContaining({ code: 'Parse' }));
  });

  it('refuses hostile names in the record', () => {
    for (const target of [
      { stateroot: '..', checksum: A, serial: 0, bootcsum: B },
      { stateroot: 'testos', checksum: '../../etc', serial: 0, bootcsum: B },
      { stateroot: 'testos', checksum: A, serial: 0, bootcsum: '../x' },
    ]) {
      const bytes = serializeStagedDeployment({ target } as never);
      expect(() => parseStagedDeployment(bytes)).toThrowError(expect.objectContaining({ code: 'Parse' }));
    }
  });
});

describe('staged deployment + finalize-staged', () => {
  const work = scratch('staged');
  const root = join(work.path, 'sysroot');
  let booted = '';
  // After a new boot version the old ostree= link is gone (as on a real machine): later opens name the booted deployment directly.
  let bootedId: BootedSpec = { cmdline: '' };
  let c2 = '';

  beforeAll(async () => {
    await initFs(root);
    await initStateroot(root, 'testos');
    const repo = join(root, 'ostree/repo');
    writeTree(join(work.path, 't1'), { etc: { 'a.conf': 'a1\n' } });
    writeTree(join(work.path, 't2'), { kernelSalt: 'v2', etc: { 'a.conf': 'a2\n', 'b.conf': 'b2\n' } });
    commitTree(repo, 'testos/stable', join(work.path, 't1'), '1');
    const s = await Sysroot.open(root);
    await s.deploy('testos/stable', { stateroot: 'testos', karg: ['root=/dev/vda'] });
    booted = s.deployments[0]!.kernelArgs;
    const d = s.deployments[0]!;
    bootedId = { deployment: { stateroot: d.stateroot, checksum: d.checksum, serial: d.serial } };
    c2 = commitTree(repo, 'testos/stable', join(work.path, 't2'), '2');
  }, 60_000);
  afterAll(() => work.cleanup());

  it('cannot stage without a booted deployment', async () => {
    const s = await Sysroot.open(root);
    await expect(s.deploy('testos/stable', { stage: true, stateroot: 'testos' })).rejects.toMatchObject({ code: 'InvalidArgument' });
  });

  it('stages without touching the boot configuration; finalize merges /etc as it is at that moment', async () => {
    // The twin: the same state, to be deployed directly instead of staged + finalized.
    const twin = join(work.path, 'twin');
    mkdirSync(twin);
    cpSync(root, twin, { recursive: true, verbatimSymlinks: true });
    const s = await Sysroot.open(root, { booted: { cmdline: booted } });
    const loaderBefore = readlinkSync(join(root, 'boot/loader'));
    const entriesBefore = readFileSync(join(root, 'boot/loader/entries/ostree-1-testos.conf'), 'utf8');
    const r = await s.deploy('testos/stable', { stateroot: 'testos', stage: true, kargAppend: ['quiet'] });
    expect(r.deployment).toMatchObject({ staged: true, index: 0, checksum: c2 });
    expect(s.deployments.map((d) => [d.staged, d.booted])).toEqual([
      [true, false],
      [false, true],
    ]);
    expect(readlinkSync(join(root, 'boot/loader'))).toBe(loaderBefore);
    expect(readFileSync(join(root, 'boot/loader/entries/ostree-1-testos.conf'), 'utf8')).toBe(entriesBefore);
    const rec = parseStagedDeployment(readFileSync(stagedDeploymentPath(s.runDir)));
    expect(rec.target).toMatchObject({ stateroot: 'testos', checksum: c2, serial: 0 });
    expect(rec.merge?.checksum).toBe(s.booted!.checksum);
    expect(rec.kargs).toEqual(['root=/dev/vda', `ostree=/ostree/boot.1/testos/${s.booted!.bootcsum}/0`, 'quiet']);
    // The staged commit is kept alive by a deployment ref already.
    expect(readFileSync(join(root, 'ostree/repo/refs/heads/ostree/1/1/0'), 'utf8').trim()).toBe(c2);
    await assertBootable(root, booted);

    // A local change made after staging must be in the finalized deployment.
    writeFileSync(join(root, s.booted!.path, 'etc/late.conf'), 'late\n');
    writeFileSync(join(twin, s.booted!.path, 'etc/late.conf'), 'late\n');

    const lines: string[] = [];
    const f = await s.finalizeStaged({ onMessage: (l) => lines.push(l) });
    expect(f.finalized).toBe(true);
    expect(lines).toEqual(['Copying /etc changes: 0 modified, 0 removed, 1 added', expect.stringMatching(/^Bootloader updated; bootconfig swap: yes; bootversion: boot\.0\.1, deployment count change: 1$/)]);
    expect(existsSync(stagedDeploymentPath(s.runDir))).toBe(false);
    expect(s.staged).toBeUndefined();
    expect(s.deployments.map((d) => [d.checksum, d.booted])).toEqual([
      [c2, false],
      [s.booted!.checksum, true],
    ]);
    expect(readFileSync(join(root, s.deployments[0]!.path, 'etc/late.conf'), 'utf8')).toBe('late\n');
    expect(s.deployments[0]!.kernelArgs).toMatch(/^root=\/dev\/vda ostree=\S+ quiet$/);
    await assertBootable(root, bootedId);

    // Identical to deploying directly (minus the repository prune finalize skips, and /run).
    const t = await Sysroot.open(twin, { booted: { cmdline: booted } });
    await t.deploy('testos/stable', { stateroot: 'testos', kargAppend: ['quiet'], noPrune: true });
    await t.cleanup({ prune: false });
    const ignore = (rel: string): boolean => ignorePath(rel) || rel === 'run' || rel.startsWith('run/');
    expect(snapshotLines(snapshotTree(root, { exclude: ignore }))).toEqual(snapshotLines(snapshotTree(twin, { exclude: ignore })));
  });

  it('a locked staged deployment is not finalized; re-staging replaces it (the lock stays, as in ostree 2022.7); undeploy drops both', async () => {
    const s = await Sysroot.open(root, { booted: bootedId });
    await s.deploy(c2, { stateroot: 'testos', stage: true, lockFinalization: true });
    const first = s.staged!;
    expect(first.finalizationLocked).toBe(true);
    expect(existsSync(join(s.runDir, 'ostree/staged-deployment-locked'))).toBe(true);
    const lines: string[] = [];
    expect(await s.finalizeStaged({ onMessage: (l) => lines.push(l) })).toEqual({ finalized: false });
    expect(lines).toEqual([`Not finalizing; found ${join(s.runDir, 'ostree/staged-deployment-locked')}`]);
    // ostree 2022.7 keeps the lock out of the record: it is the file alone.
    expect(parseStagedDeployment(readFileSync(stagedDeploymentPath(s.runDir))).locked).toBeUndefined();

    await s.deploy(c2, { stateroot: 'testos', stage: true });
    const second = s.staged!;
    expect(second.serial).not.toBe(first.serial);
    expect(second.finalizationLocked).toBe(true);
    expect(existsSync(join(root, first.path))).toBe(false);

    await s.undeploy(0);
    expect(s.staged).toBeUndefined();
    expect(existsSync(stagedDeploymentPath(s.runDir))).toBe(false);
    expect(existsSync(join(s.runDir, 'ostree/staged-deployment-locked'))).toBe(false);
    expect(existsSync(join(root, second.path))).toBe(false);
    expect(await s.finalizeStaged()).toEqual({ finalized: false });
    await assertBootable(root, bootedId);
  });
});
