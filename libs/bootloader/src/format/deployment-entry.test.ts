import { describe, expect, it } from 'vitest';
import { writeBlsEntry } from './bls-entry.js';
import {
  buildDeploymentEntry,
  deploymentTitle,
  nonOstreeKernelArgs,
  parseBlsAppendExceptDefault,
  type DeploymentEntryInput,
} from './deployment-entry.js';

const CSUM = 'c'.repeat(64);
const base: DeploymentEntryInput = {
  osRelease: 'PRETTY_NAME="Fedora CoreOS 38.20231027.3.2"\nID=fedora\n',
  commitVersion: '38.20231027.3.2',
  stateroot: 'fedora-coreos',
  index: 0,
  deploymentCount: 2,
  showStateroot: false,
  bootVersion: 1,
  bootcsum: CSUM,
  bootserial: 0,
  kernel: { kernel: 'vmlinuz-6.5.8-200.fc38.x86_64', initramfs: 'initramfs-6.5.8-200.fc38.x86_64.img' },
  kernelArgs: 'mitigations=auto,nosmt ignition.platform.id=qemu ostree=/ostree/boot.0/fedora-coreos/old/0 console=ttyS0',
};

describe('buildDeploymentEntry', () => {
  it('fills the entry like install_deployment_kernel, ostree= replaced in place', () => {
    expect(writeBlsEntry(buildDeploymentEntry(base))).toBe(
      'title Fedora CoreOS 38.20231027.3.2 (ostree:0)\n' +
        'version 2\n' +
        `options mitigations=auto,nosmt ignition.platform.id=qemu ostree=/ostree/boot.1/fedora-coreos/${CSUM}/0 console=ttyS0\n` +
        `linux /ostree/fedora-coreos-${CSUM}/vmlinuz-6.5.8-200.fc38.x86_64\n` +
        `initrd /ostree/fedora-coreos-${CSUM}/initramfs-6.5.8-200.fc38.x86_64.img\n`,
    );
  });

  it('supports bootprefix, overlays, fdtdir, stateroot in titles, init= without initramfs', () => {
    const e = buildDeploymentEntry({
      ...base,
      index: 1,
      showStateroot: true,
      bootPrefix: true,
      overlayInitrds: ['d'.repeat(64)],
      kernel: { ...base.kernel, devicetreeDir: 'dtb' },
      blsAppendExceptDefault: [['grub_users', '""']],
    });
    expect(e.title).toBe('Fedora CoreOS 38.20231027.3.2 (ostree:fedora-coreos:1)');
    expect(e.version).toBe('1');
    expect(e.linux).toBe(`/boot/ostree/fedora-coreos-${CSUM}/vmlinuz-6.5.8-200.fc38.x86_64`);
    expect(e.overlayInitrds).toEqual([`/boot/ostree/initramfs-overlays/${'d'.repeat(64)}.img`]);
    expect(e.extra).toEqual([
      ['fdtdir', `/boot/ostree/fedora-coreos-${CSUM}/dtb`],
      ['grub_users', '""'],
    ]);
    const noInitrd = buildDeploymentEntry({ ...base, kernelArgs: 'quiet', kernel: { kernel: 'vmlinuz-1' } });
    expect(noInitrd.initrd).toBeUndefined();
    expect(noInitrd.options).toBe(
      `quiet init=/ostree/boot.1/fedora-coreos/${CSUM}/0/usr/lib/ostree/ostree-prepare-root ostree=/ostree/boot.1/fedora-coreos/${CSUM}/0`,
    );
  });

  it('writes aboot/abootcfg like newer ostree when asked', () => {
    const csum = 'e'.repeat(64);
    const e = buildDeploymentEntry({ ...base, aboot: { csum, deployserial: 1 } });
    const tail = writeBlsEntry(e).split('\n').slice(-3).join('\n');
    expect(tail).toBe(
      `aboot /ostree/deploy/fedora-coreos/deploy/${csum}.1/usr/lib/ostree-boot/aboot.img\n` +
        `abootcfg /ostree/deploy/fedora-coreos/deploy/${csum}.1/usr/lib/ostree-boot/aboot.cfg\n`,
    );
    expect(buildDeploymentEntry({ ...base, aboot: { csum, deployserial: 0, abootImage: 'aboot-6.5.img' } }).extra[0]).toEqual([
      'aboot',
      `/ostree/fedora-coreos-${CSUM}/aboot-6.5.img`,
    ]);
    expect(() => buildDeploymentEntry({ ...base, aboot: { csum: 'x', deployserial: 0 } })).toThrowError(/deployment checksum/);
  });

  it('titles: version appended unless already in the name, ID fallback, error without either', () => {
    const t = (osRelease: string, commitVersion?: string) =>
      deploymentTitle({ osRelease, commitVersion, stateroot: 's', index: 3, showStateroot: false });
    expect(t('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', '12.4')).toBe('Debian GNU/Linux 12 (bookworm) 12.4 (ostree:3)');
    expect(t('ID=debian', '')).toBe('debian (ostree:3)');
    expect(() => t('NAME=x')).toThrowError(expect.objectContaining({ code: 'NotFound' }));
  });

  it('refuses hostile names and out-of-range values', () => {
    expect(() => buildDeploymentEntry({ ...base, stateroot: '../etc' })).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => buildDeploymentEntry({ ...base, bootcsum: '../../x' })).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => buildDeploymentEntry({ ...base, kernel: { kernel: 'a/../../b' } })).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => buildDeploymentEntry({ ...base, kernel: { ...base.kernel, devicetreeDir: '../dtb' } })).toThrowError(/devicetree/);
    expect(() => buildDeploymentEntry({ ...base, index: 2 })).toThrowError(/out of range/);
    expect(() => buildDeploymentEntry({ ...base, overlayInitrds: ['../x'] })).toThrowError(/overlay/);
  });

  it('blanks ostree= in place for boot configuration comparison', () => {
    expect(nonOstreeKernelArgs('a ostree=/ostree/boot.0/x/y/0 b')).toBe('a ostree b');
    expect(nonOstreeKernelArgs('a')).toBe('a ostree');
    expect(nonOstreeKernelArgs(undefined)).toBe('ostree');
  });

  it('parses bls-append-except-default', () => {
    expect(parseBlsAppendExceptDefault('grub_users="";grub_arg=--unrestricted')).toEqual([
      ['grub_users', '""'],
      ['grub_arg', '--unrestricted'],
    ]);
    expect(() => parseBlsAppendExceptDefault('novalue')).toThrowError(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});
