// Differential tests: real `ostree admin deploy` (2022.7 on Debian) in temp sysroots set up for
// syslinux, u-boot, grub2 and BLS only, against our entries and configuration from the same inputs.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createBlsBackend,
  createFsSysrootPorts,
  createGrub2Backend,
  createSyslinuxBackend,
  createUbootBackend,
  detectBootloader,
  generateGrub2MenuEntries,
  parseBlsEntry,
  readLoaderEntries,
  writeBlsEntry,
  type BootloaderBackend,
  type LoaderEntry,
} from '../src/index.js';
import { MemorySysroot } from '../src/testing/index.js';
import { modelDeploy, modelEntries, type Model } from './differential-model.js';
import { OstreeSysroot, sh, type BootloaderSetup, type Commit, type DeployStep } from './ostree-fixture.js';

const exec = promisify(execFile);
const sysroots: OstreeSysroot[] = [];
afterAll(async () => {
  for (const s of sysroots) await s.destroy();
});

const OS_RELEASE = 'NAME="Test OS"\nID=testos\nPRETTY_NAME="Test OS 38 (Thirty)"\n';
const OTHER_RELEASE = "ID=otheros\nNAME='Other'\n";

async function grubScriptCheck(text: string): Promise<void> {
  const file = join(tmpdir(), `tsostree-grub-${process.pid}-${Math.random().toString(36).slice(2)}.cfg`);
  await writeFile(file, text);
  await exec('grub-script-check', [file]);
}

/**
 * Deploys step by step with the real ostree and, after each step, checks that our code writes
 * the same entries (names and bytes) and the same backend configuration.
 */
async function runScenario(opts: {
  setup: BootloaderSetup;
  backend: () => BootloaderBackend;
  configFile?: string;
  steps: Array<{ stateroot: string; branch: string; step: (commits: Map<string, Commit>) => DeployStep }>;
  commits: Array<{ name: string; branch: string; spec: Commit['spec']; version?: string }>;
  stateroots?: string[];
  blsAppend?: string;
  afterStep?: (s: OstreeSysroot, model: Model, ours: LoaderEntry[]) => Promise<void>;
}): Promise<{ sysroot: OstreeSysroot; model: Model; checked: number }> {
  const s = await OstreeSysroot.create(opts.setup, opts.stateroots);
  sysroots.push(s);
  const model: Model = { bootVersion: 0, deployments: [] };
  if (opts.blsAppend !== undefined) {
    await sh('ostree', ['config', `--repo=${s.repo}`, 'set', 'sysroot.bls-append-except-default', opts.blsAppend]);
    model.blsAppendExceptDefault = opts.blsAppend.split(';').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]);
  }
  const commits = new Map<string, Commit>();
  for (const c of opts.commits) commits.set(c.name, await s.commit(c.branch, c.spec, c.version));
  const releases = new Map<string, string>();
  for (const c of commits.values()) releases.set(c.csum, c.spec.osRelease);
  let checked = 0;
  for (const { stateroot, branch, step } of opts.steps) {
    const deployStep = step(commits);
    // The configuration the backend merges from (syslinux keeps the non-ostree parts of the current file).
    const previousSyslinux = opts.setup === 'syslinux' ? await s.readBoot('syslinux/syslinux.cfg') : undefined;
    await s.deploy(stateroot, branch, deployStep);
    modelDeploy(model, stateroot, deployStep);
    const ours = modelEntries(model, (d) => releases.get(d.commit.csum)!);
    const bv = await s.currentBootVersion();
    expect(bv).toBe(model.bootVersion);

    // Entries: same names, same bytes, parse∘write is the identity on the real ones.
    expect(await s.entryFiles(bv)).toEqual(ours.map((e) => e.filename).sort());
    for (const { filename, entry } of ours) {
      const real = await s.readBoot(`loader.${bv}/entries/${filename}`);
      expect(writeBlsEntry(entry), filename).toBe(real);
      expect(writeBlsEntry(parseBlsEntry(real)), filename).toBe(real);
      checked++;
    }
    // Reading them back through the filesystem port gives ostree's order.
    const fsPorts = createFsSysrootPorts(s.root);
    const read = await readLoaderEntries(fsPorts.read, bv);
    expect(read.map((e) => e.filename)).toEqual(ours.map((e) => e.filename));

    // The backend's configuration, written into memory from the same entries.
    const mem = new MemorySysroot(previousSyslinux === undefined ? {} : { 'boot/syslinux/syslinux.cfg': previousSyslinux });
    const readPort = opts.setup === 'syslinux' ? mem.read : fsPorts.read;
    const backend = opts.backend();
    await backend.writeConfig({ bootVersion: bv, entries: ours, read: readPort, write: mem.write });
    for (const { filename } of ours) {
      expect(mem.text(`boot/loader.${bv}/entries/${filename}`)).toBe(await s.readBoot(`loader.${bv}/entries/${filename}`));
    }
    if (opts.configFile !== undefined) {
      const real = await s.readBoot(`loader.${bv}/${opts.configFile}`);
      expect(mem.text(`boot/loader.${bv}/${opts.configFile}`)).toBe(real);
      checked++;
    }
    // Detection agrees with what ostree used.
    expect((await detectBootloader(fsPorts.read)).name).toBe(backend.name);
    await opts.afterStep?.(s, model, ours);
  }
  return { sysroot: s, model, checked };
}

describe('differential: ostree admin deploy vs our entries and configuration', () => {
  it('syslinux: syslinux.cfg keeps foreign labels, kargs set/append/replace/delete', async () => {
    const { checked } = await runScenario({
      setup: 'syslinux',
      backend: createSyslinuxBackend,
      configFile: 'syslinux.cfg',
      commits: [
        { name: 'a', branch: 'testos/stable', spec: { kver: '6.1.0-13-amd64', osRelease: OS_RELEASE }, version: '38.1' },
        { name: 'b', branch: 'testos/next', spec: { kver: '6.5.0-1-amd64', osRelease: OS_RELEASE, kernelSalt: 'b', devicetree: true }, version: '38' },
      ],
      steps: [
        { stateroot: 'testos', branch: 'testos/stable', step: (c) => ({ commit: c.get('a')!, karg: ['root=/dev/sda1', 'quiet', 'console=tty0'] }) },
        { stateroot: 'testos', branch: 'testos/next', step: (c) => ({ commit: c.get('b')!, kargAppend: ['console=ttyS0,115200n8', 'rd.luks.uuid=abc'] }) },
        { stateroot: 'testos', branch: 'testos/stable', step: (c) => ({ commit: c.get('a')!, karg: ['console=hvc0'], kargDelete: ['quiet'] }) },
        { stateroot: 'testos', branch: 'testos/next', step: (c) => ({ commit: c.get('b')! }) },
      ],
    });
    expect(checked).toBe(7 + 4);
  });

  it('u-boot: uEnv.txt with devicetree, a device tree directory (fdtdir) and the tree uEnv.txt merged', async () => {
    const uEnv = 'loaduimage=load mmc ${bootpart} ${loadaddr} ${kernel_image}\nloadfdt=load mmc ${bootpart} ${fdtaddr} ${bootdir}${fdtfile}\n';
    const { checked } = await runScenario({
      setup: 'uboot',
      backend: createUbootBackend,
      configFile: 'uEnv.txt',
      commits: [
        { name: 'a', branch: 'armos/stable', spec: { kver: '6.1.0-arm64', osRelease: OS_RELEASE, devicetree: true, uEnv } },
        { name: 'b', branch: 'armos/stable2', spec: { kver: '6.1.1-arm64', osRelease: OS_RELEASE, devicetree: true, kernelSalt: 'x' }, version: '2' },
        {
          name: 'd',
          branch: 'armos/dtbdir',
          spec: { kver: '6.2.0-arm64', osRelease: OS_RELEASE, uEnv, dtbDir: { 'asoc-board.dtb': 'a device tree\n', 'overlays/overlay.dtbo': 'an overlay\n', 'b.dtb': 'b\n' } },
          version: '3',
        },
      ],
      stateroots: ['armos'],
      steps: [
        { stateroot: 'armos', branch: 'armos/stable', step: (c) => ({ commit: c.get('a')!, karg: ['root=LABEL=root', 'console=ttyS0,115200'] }) },
        { stateroot: 'armos', branch: 'armos/stable2', step: (c) => ({ commit: c.get('b')!, kargAppend: ['console=tty1', 'panic="10 seconds"'] }) },
        { stateroot: 'armos', branch: 'armos/stable', step: (c) => ({ commit: c.get('a')!, karg: ['console=ttyAMA0'] }) },
        { stateroot: 'armos', branch: 'armos/dtbdir', step: (c) => ({ commit: c.get('d')! }) },
      ],
    });
    expect(checked).toBe(1 + 1 + 2 + 1 + 2 + 1 + 2 + 1);
  });

  it('grub2: complete grub.cfg from the generator, two stateroots, grub-script-check, instutil grub2-generate', async () => {
    const { checked } = await runScenario({
      setup: 'grub2',
      backend: () => createGrub2Backend({ bootPrefix: '/boot' }),
      configFile: 'grub.cfg',
      stateroots: ['testos', 'otheros'],
      commits: [
        { name: 'a', branch: 'testos/stable', spec: { kver: '6.1.0-13-amd64', osRelease: OS_RELEASE }, version: 'Thirty' },
        { name: 'o', branch: 'otheros/stable', spec: { kver: '5.10.0-26-amd64', osRelease: OTHER_RELEASE, devicetree: true }, version: '11.8' },
      ],
      steps: [
        { stateroot: 'testos', branch: 'testos/stable', step: (c) => ({ commit: c.get('a')!, karg: ['root=UUID=0d2d2b2c', 'rw'] }) },
        { stateroot: 'otheros', branch: 'otheros/stable', step: (c) => ({ commit: c.get('o')!, karg: ['root=/dev/vdb1'] }) },
        { stateroot: 'testos', branch: 'testos/stable', step: (c) => ({ commit: c.get('a')!, kargAppend: ['systemd.unit=multi-user.target'] }) },
      ],
      afterStep: async (s, _model, ours) => {
        const bv = await s.currentBootVersion();
        await grubScriptCheck(await s.readBoot(`loader.${bv}/grub.cfg`));
        // 15_ostree's path: `ostree admin instutil grub2-generate` prints menu entries.
        const env = { GRUB2_BOOT_DEVICE_ID: '0d2d2b2c-1111', GRUB2_PREPARE_ROOT_CACHE: 'search --no-floppy --fs-uuid --set=root 0d2d2b2c-1111' };
        const real = await sh('ostree', ['admin', 'instutil', 'grub2-generate', `--sysroot=${s.root}`, String(bv)], env);
        const mine = generateGrub2MenuEntries(
          ours.map((e) => e.entry),
          { bootDeviceId: env.GRUB2_BOOT_DEVICE_ID, prepareRootCache: env.GRUB2_PREPARE_ROOT_CACHE },
        );
        expect(mine).toBe(real);
        await grubScriptCheck(mine);
      },
    });
    expect(checked).toBe(1 + 1 + 2 + 1 + 3 + 1);
  });

  it('BLS only: no initramfs (init= karg), bls-append-except-default on non-default entries', async () => {
    const { checked } = await runScenario({
      setup: 'none',
      backend: createBlsBackend,
      blsAppend: 'grub_users=""',
      commits: [
        { name: 'a', branch: 'testos/stable', spec: { kver: '6.1.0', osRelease: OS_RELEASE, noInitramfs: true }, version: '38.2' },
      ],
      steps: [
        { stateroot: 'testos', branch: 'testos/stable', step: (c) => ({ commit: c.get('a')!, karg: ['root=/dev/vda3', 'ro'] }) },
        { stateroot: 'testos', branch: 'testos/stable', step: (c) => ({ commit: c.get('a')!, kargAppend: ['audit=1'] }) },
        { stateroot: 'testos', branch: 'testos/stable', step: (c) => ({ commit: c.get('a')!, karg: ['ro=', 'audit=0'] }) },
      ],
    });
    expect(checked).toBe(1 + 2 + 2);
  });
});
