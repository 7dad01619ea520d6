// Staged deployments against the real thing: `ostree admin deploy --stage` and `ostree admin
// finalize-staged` (2022.7) run booted into a deployment of one sysroot (a private mount
// namespace, test/booted-ostree.ts), our library on a twin sysroot with the same commits and
// `booted: { deployment }`. After every step the two sysroots — and the two /run directories,
// which hold the staged-deployment record — must be identical, and the printed lines the same.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootedAdmin, bootedAdminOk, type BootedOstree } from './testing/index.js';
import { editEtc, makePair, type Pair } from '../test/pair.js';
import { snapshotLines, snapshotTree } from '../test/tree-snapshot.js';
import { Sysroot, type BootedSpec, type Deployment } from './index.js';

const ETC1 = { 'a.conf': 'a1\n', 'b.conf': 'b1\n', 'sub/c.conf': 'c1\n' };
const ETC2 = { 'a.conf': 'a2\n', 'b.conf': 'b1\n', 'sub/c.conf': 'c1\n', 'd.conf': 'new default\n' };

describe('differential (booted): ostree admin deploy --stage / finalize-staged vs @tsostree/sysroot', () => {
  let p: Pair;
  const c: string[] = [];
  let theirsRun = '';
  let oursRun = '';
  /** The deployment both machines are booted into (path relative to the sysroot). */
  let booted: Pick<Deployment, 'stateroot' | 'checksum' | 'serial' | 'path'> | undefined;

  const bootedSpec = (): BootedSpec => ({ deployment: { stateroot: booted!.stateroot, checksum: booted!.checksum, serial: booted!.serial } });
  const open = (): Promise<Sysroot> => Sysroot.open(p.ours, booted ? { booted: bootedSpec(), runDir: oursRun } : { runDir: oursRun });
  const machine = (): BootedOstree => ({ sysroot: p.theirs, deployment: booted!.path, runDir: theirsRun });
  const admin = (args: string[]): string => bootedAdminOk(machine(), args);
  const bootInto = async (index: number): Promise<void> => {
    booted = undefined;
    const d = (await open()).deployments[index]!;
    booted = { stateroot: d.stateroot, checksum: d.checksum, serial: d.serial, path: d.path };
  };
  /** finalize-staged on both sides; the lines ours reports are the ones ostree prints. */
  const finalizeBoth = async (): Promise<void> => {
    const theirsOut = admin(['finalize-staged']);
    const lines: string[] = [];
    await (await open()).finalizeStaged({ onMessage: (l) => lines.push(l) });
    expect(lines.map((l) => `${l}\n`).join('')).toBe(theirsOut);
  };
  const expectSame = (): void => {
    const { theirs, ours } = p.snapshots();
    expect(theirs.some((l) => /^boot\/loader\.[01]\/entries\/ostree-\d+-testos\.conf: file/.test(l))).toBe(true);
    expect(ours).toEqual(theirs);
    expect(snapshotLines(snapshotTree(oursRun))).toEqual(snapshotLines(snapshotTree(theirsRun)));
  };

  beforeAll(async () => {
    p = await makePair('staged-diff');
    theirsRun = join(p.work, 'theirs-run');
    oursRun = join(p.work, 'ours-run');
    for (const run of [theirsRun, oursRun]) {
      mkdirSync(run);
      writeFileSync(join(run, 'ostree-booted'), '');
    }
  });
  afterAll(() => p.cleanup());

  it('1. first deploy (not booted yet): the deployment the machine then runs', async () => {
    c.push(p.commit('testos/stable', { rootfs: true, etc: ETC1 }, '1.0'));
    p.admin(['deploy', '--os=testos', '--karg=root=/dev/vda', 'testos/stable']);
    await (await open()).deploy('testos/stable', { stateroot: 'testos', karg: ['root=/dev/vda'] });
    await bootInto(0);
    // The oracle sees the machine booted into it.
    expect(admin(['status'])).toMatch(new RegExp(`^\\* testos ${c[0]}\\.0\\n`));
    expectSame();
  });

  it('2. local /etc edits, then deploy --stage with --karg-append: only the deployment and the record', async () => {
    editEtc(p.theirs, booted!.path);
    editEtc(p.ours, booted!.path);
    c.push(p.commit('testos/stable', { rootfs: true, kernelSalt: 'v2', etc: ETC2 }, '2.0'));
    const theirsOut = admin(['deploy', '--stage', '--os=testos', '--karg-append=quiet', 'testos/stable']);
    const lines: string[] = [];
    const r = await (await open()).deploy('testos/stable', { stateroot: 'testos', stage: true, kargAppend: ['quiet'], onMessage: (l) => lines.push(l) });
    expect(lines.map((l) => `${l}\n`).join('')).toBe(theirsOut);
    expect(r.deployment).toMatchObject({ staged: true, checksum: c[1] });
    expect(admin(['status'])).toContain(`testos ${c[1]}.0 (staged)`);
    expectSame();
  });

  it('3. a late /etc change, then finalize-staged: merged at finalization, new boot version', async () => {
    writeFileSync(join(p.theirs, booted!.path, 'etc/late.conf'), 'late\n');
    writeFileSync(join(p.ours, booted!.path, 'etc/late.conf'), 'late\n');
    const theirsOut = admin(['finalize-staged']);
    const lines: string[] = [];
    const f = await (await open()).finalizeStaged({ onMessage: (l) => lines.push(l) });
    expect(f.finalized).toBe(true);
    expect(lines.map((l) => `${l}\n`).join('')).toBe(theirsOut);
    expectSame();
  });

  it('4. reboot into it; deploy --stage --lock-finalization: finalize-staged leaves it staged', async () => {
    await bootInto(0);
    expect(booted!.checksum).toBe(c[1]);
    c.push(p.commit('testos/stable', { rootfs: true, kernelSalt: 'v2', etc: ETC2, files: { 'usr/share/v3': 'v3\n' } }, '3.0'));
    admin(['deploy', '--stage', '--lock-finalization', '--os=testos', 'testos/stable']);
    await (await open()).deploy('testos/stable', { stateroot: 'testos', stage: true, lockFinalization: true });
    expectSame();
    const theirs = bootedAdmin(machine(), ['finalize-staged']);
    expect(theirs.status).toBe(0);
    // ostree says why only to the journal: nothing on stdout or stderr.
    expect(theirs.stdout + theirs.stderr).toBe('');
    const lines: string[] = [];
    expect(await (await open()).finalizeStaged({ onMessage: (l) => lines.push(l) })).toEqual({ finalized: false });
    expect(lines).toEqual([`Not finalizing; found ${join(oursRun, 'ostree/staged-deployment-locked')}`]);
    expectSame();
  });

  it('5. staging again replaces the staged deployment (new serial); undeploy 0 drops it', async () => {
    admin(['deploy', '--stage', '--os=testos', '--karg-append=audit=0', 'testos/stable']);
    await (await open()).deploy('testos/stable', { stateroot: 'testos', stage: true, kargAppend: ['audit=0'] });
    expectSame();
    const theirsOut = admin(['undeploy', '0']);
    const lines: string[] = [];
    await (await open()).undeploy(0, { onMessage: (l) => lines.push(l) });
    expect(lines.map((l) => `${l}\n`).join('')).toBe(theirsOut);
    expectSame();
  });

  it('6. stage with --karg-none --karg, cleanup keeps it, finalize', async () => {
    admin(['deploy', '--stage', '--os=testos', '--karg-none', '--karg=root=/dev/vdb', 'testos/stable']);
    await (await open()).deploy('testos/stable', { stateroot: 'testos', stage: true, kargNone: true, karg: ['root=/dev/vdb'] });
    expectSame();
    admin(['cleanup']);
    await (await open()).cleanup();
    expectSame();
    await finalizeBoth();
    expectSame();
  });

  it('7. a plain deploy while booted (no staging): the booted deployment is kept, old ones go', async () => {
    await bootInto(0);
    admin(['deploy', '--os=testos', 'testos/stable']);
    await (await open()).deploy('testos/stable', { stateroot: 'testos' });
    expectSame();
  });

  it('8. stage into another stateroot (no merge deployment there), then finalize', async () => {
    admin(['os-init', 'other']);
    const { initStateroot } = await import('./index.js');
    await initStateroot(p.ours, 'other');
    c.push(p.commit('other/main', { rootfs: true, osName: 'Other OS', kver: '6.9.0-other' }, '9'));
    const theirsOut = admin(['deploy', '--stage', '--os=other', '--karg=root=/dev/vdc', 'other/main']);
    const lines: string[] = [];
    await (await open()).deploy('other/main', { stateroot: 'other', stage: true, karg: ['root=/dev/vdc'], onMessage: (l) => lines.push(l) });
    expect(lines.map((l) => `${l}\n`).join('')).toBe(theirsOut);
    expectSame();
    await finalizeBoth();
    // The pending deployment of the booted stateroot stays: the retention is per the staged one's stateroot.
    expect((await open()).deployments.map((d) => [d.stateroot, d.booted])).toEqual([
      ['other', false],
      ['testos', false],
      ['testos', true],
    ]);
    expectSame();
  });

  it('9. deploy --stage --no-merge: /etc and kernel arguments from the commit alone', async () => {
    admin(['deploy', '--stage', '--no-merge', '--os=testos', 'testos/stable']);
    await (await open()).deploy('testos/stable', { stateroot: 'testos', stage: true, noMerge: true });
    expectSame();
    await finalizeBoth();
    expectSame();
  });

  it('10. deploy --stage --overlay-initrd: staged into /run, installed into /boot at finalization', async () => {
    await bootInto(0);
    for (const run of [theirsRun, oursRun]) writeFileSync(join(run, 'overlay.img'), 'overlay initrd\n');
    const theirsOut = admin(['deploy', '--stage', '--os=testos', '--overlay-initrd=/run/overlay.img', 'testos/stable']);
    const s = await open();
    const sum = await s.stageOverlayInitrd(join(oursRun, 'overlay.img'));
    const lines: string[] = [];
    await s.deploy('testos/stable', { stateroot: 'testos', stage: true, overlayInitrds: [sum], onMessage: (l) => lines.push(l) });
    expect(lines.map((l) => `${l}\n`).join('')).toBe(theirsOut);
    expectSame();
    await finalizeBoth();
    expect((await open()).deployments[0]!.overlayInitrds).toEqual([sum]);
    expect(readdirSync(join(p.theirs, 'boot/ostree/initramfs-overlays'))).toEqual([`${sum}.img`]);
    expectSame();
  });

  it('11. a plain deploy drops the pending deployment with the overlay; cleanup removes the overlay from /boot', async () => {
    admin(['deploy', '--os=testos', 'testos/stable']);
    await (await open()).deploy('testos/stable', { stateroot: 'testos' });
    expect((await open()).deployments.some((d) => d.overlayInitrds.length > 0)).toBe(false);
    expect(readdirSync(join(p.theirs, 'boot/ostree/initramfs-overlays'))).toEqual([]);
    expectSame();
  });
});
