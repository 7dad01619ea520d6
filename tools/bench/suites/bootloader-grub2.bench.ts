// Bootloader formats: `ostree admin instutil grub2-generate` (read and parse every BLS entry of a
// sysroot, print GRUB menu entries) on a sysroot with many deployments made by the real
// `ostree admin deploy`, ours vs ostree; plus BLS entry and kernel-argument throughput (ours only).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchSuite } from '../harness.js';

const STATEROOTS = 40;
const ENV = { GRUB2_BOOT_DEVICE_ID: 'bench-uuid', GRUB2_PREPARE_ROOT_CACHE: 'search --no-floppy --fs-uuid --set=root bench-uuid' };

const suite: BenchSuite = {
  name: 'bootloader (grub2-generate, BLS entries, kargs)',
  unavailable: () => {
    try {
      execFileSync('ostree', ['--version'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'ostree is not installed';
    }
  },
  async run({ workDir, timeCommand, timeOurs }) {
    const sysroot = join(workDir, 'sysroot');
    const tree = join(workDir, 'tree');
    mkdirSync(join(tree, 'usr/lib/modules/6.1.0'), { recursive: true });
    mkdirSync(join(tree, 'usr/etc'), { recursive: true });
    writeFileSync(join(tree, 'usr/lib/modules/6.1.0/vmlinuz'), 'kernel');
    writeFileSync(join(tree, 'usr/lib/modules/6.1.0/initramfs.img'), 'initramfs');
    writeFileSync(join(tree, 'usr/lib/os-release'), 'PRETTY_NAME="Bench OS"\n');
    mkdirSync(sysroot);
    execFileSync('ostree', ['admin', 'init-fs', sysroot], { stdio: 'ignore' });
    const repo = join(sysroot, 'ostree/repo');
    execFileSync('ostree', ['commit', `--repo=${repo}`, '-b', 'bench', `--tree=dir=${tree}`, '-s', 'bench'], { stdio: 'ignore' });
    for (let i = 0; i < STATEROOTS; i++) {
      execFileSync('ostree', ['admin', 'os-init', `--sysroot=${sysroot}`, `os${i}`], { stdio: 'ignore' });
      execFileSync('ostree', ['admin', 'deploy', `--sysroot=${sysroot}`, `--os=os${i}`, '--karg=root=/dev/vda3', '--karg=quiet', 'bench'], { stdio: 'ignore' });
    }
    const bv = readlinkSync(join(sysroot, 'boot/loader')) === 'loader.1' ? 1 : 0;
    const work = join(import.meta.dirname, 'bootloader-grub2.work.ts');
    const ours = await timeOurs(work, 'grub2Generate', [sysroot, bv, ENV.GRUB2_BOOT_DEVICE_ID, ENV.GRUB2_PREPARE_ROOT_CACHE]);
    const reference = await timeCommand('ostree', ['admin', 'instutil', 'grub2-generate', `--sysroot=${sysroot}`, String(bv)], {
      env: { ...process.env, ...ENV },
    });
    const entriesDir = join(sysroot, `boot/loader.${bv}/entries`);
    const entry = readFileSync(join(entriesDir, readdirSync(entriesDir)[0]), 'utf8');
    const options = /^options (.*)$/m.exec(entry)?.[1] ?? '';
    const bls = await timeOurs(work, 'blsRoundTrip', [entry, 100_000]);
    const kargs = await timeOurs(work, 'kargsEdits', [options, 100_000]);
    // Deployments carry the immutable attribute; clear it so the harness can remove the work dir.
    try {
      execFileSync('chattr', ['-R', '-i', sysroot], { stdio: 'ignore' });
    } catch {
      // chattr reports the symlinks it cannot change; the deployment directories are done.
    }
    return [
      {
        name: `instutil grub2-generate, ${STATEROOTS} deployments`,
        ours,
        reference: { ...reference, tool: 'ostree admin instutil grub2-generate' },
        unit: 'entries',
        notes: 'ours is the call alone; ostree includes process start and sysroot load',
      },
      { name: 'BLS entry parse + write, 100,000 times', ours: bls, unit: 'entries' },
      { name: 'kernel arguments parse + 4 edits + print, 100,000 times', ours: kargs, unit: 'command lines' },
    ];
  },
};

export default suite;
