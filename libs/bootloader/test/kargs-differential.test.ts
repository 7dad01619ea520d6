// Differential tests of kernel-argument editing: `ostree admin instutil set-kargs` (--merge,
// --replace, --append, --import-proc-cmdline) and `ostree admin kargs edit-in-place
// --append-if-missing` against KernelArgs, through the entries ostree writes.
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { KernelArgs, parseBlsEntry, writeBlsEntry } from '../src/index.js';
import { modelDeploy, modelEntries, type Model } from './differential-model.js';
import { OstreeSysroot, sh } from './ostree-fixture.js';

const OS_RELEASE = 'PRETTY_NAME="Karg OS"\n';
const sysroots: OstreeSysroot[] = [];
afterAll(async () => {
  for (const s of sysroots) await s.destroy();
});

async function expectEntries(s: OstreeSysroot, model: Model): Promise<void> {
  const ours = modelEntries(model, () => OS_RELEASE);
  const bv = await s.currentBootVersion();
  expect(bv).toBe(model.bootVersion);
  expect(await s.entryFiles(bv)).toEqual(ours.map((e) => e.filename).sort());
  for (const { filename, entry } of ours) {
    const real = await s.readBoot(`loader.${bv}/entries/${filename}`);
    expect(writeBlsEntry(entry), filename).toBe(real);
  }
}

describe('differential: kernel argument edits', () => {
  it('instutil set-kargs, kargs edit-in-place, and undeploy give the entries our code computes', async () => {
    const s = await OstreeSysroot.create('none');
    sysroots.push(s);
    const commit = await s.commit('testos/stable', { kver: '6.1.0', osRelease: OS_RELEASE }, '1');
    const model: Model = { bootVersion: 0, deployments: [] };
    const admin = (...args: string[]) => sh('ostree', ['admin', ...args, `--sysroot=${s.root}`]);

    const step1 = { commit, karg: ['root=/dev/sda1', 'quiet', 'a=1', 'a=2'] };
    await s.deploy('testos', 'testos/stable', step1);
    modelDeploy(model, 'testos', step1);
    await expectEntries(s, model);
    const step2 = { commit, kargAppend: ['console=tty0', 'console=ttyS0,115200'] };
    await s.deploy('testos', 'testos/stable', step2);
    modelDeploy(model, 'testos', step2);
    await expectEntries(s, model);

    // set-kargs --merge: start from the default deployment's options, replace, then append.
    await admin('instutil', 'set-kargs', '--merge', '--replace=quiet=0', '--replace=a=3', '--append=console=hvc0', '--append=rd.break', 'extra=1');
    const d0 = model.deployments[0];
    d0.entry!.options = KernelArgs.parse(d0.entry!.options)
      .replaceArgv(['quiet=0', 'a=3'])
      .appendArgv(['console=hvc0', 'rd.break'])
      .append('extra=1')
      .toString();
    model.bootVersion = model.bootVersion === 0 ? 1 : 0;
    await expectEntries(s, model);

    // edit-in-place rewrites the current entries without a new boot version.
    await admin('kargs', 'edit-in-place', '--append-if-missing=quiet', '--append-if-missing=newkey=1', '--append-if-missing=console=x');
    const bv = await s.currentBootVersion();
    expect(await s.entryFiles(bv)).toHaveLength(2);
    for (const filename of await s.entryFiles(bv)) {
      const real = await s.readBoot(`loader.${bv}/entries/${filename}`);
      const d = model.deployments.find((m) => m.entry && writeBlsEntry({ ...m.entry, options: undefined }) === writeBlsEntry({ ...parseBlsEntry(real), options: undefined }))!;
      expect(d, filename).toBeDefined();
      const before = KernelArgs.parse(d.entry!.options);
      for (const arg of ['quiet', 'newkey=1', 'console=x']) before.appendIfMissing(arg);
      expect(parseBlsEntry(real).options, filename).toBe(before.toString());
      d.entry!.options = before.toString();
    }

    // --import-proc-cmdline: this machine's /proc/cmdline, minus BOOT_IMAGE= and initrd=.
    await admin('instutil', 'set-kargs', '--import-proc-cmdline');
    const proc = await readFile('/proc/cmdline', 'utf8');
    model.deployments[0].entry!.options = new KernelArgs().appendProcCmdline(proc).toString();
    model.bootVersion = model.bootVersion === 0 ? 1 : 0;
    await expectEntries(s, model);

    // Reordering rewrites the existing entries at their new positions (title index, version, ostree=).
    const step3 = { commit, karg: ['root=/dev/sda2'] };
    await s.deploy('testos', 'testos/stable', step3);
    modelDeploy(model, 'testos', step3);
    await expectEntries(s, model);
    // Undeploying the default moves the other one to index 0 (ostree 2022.7 has no set-default).
    await admin('undeploy', '0');
    model.deployments = [model.deployments[1]];
    model.bootVersion = model.bootVersion === 0 ? 1 : 0;
    await expectEntries(s, model);
  });
});
