import { InvalidArgumentError, NotFoundError } from '@tsostree/errors';
import { emptyBlsEntry, setBlsValue, type BlsEntry } from './bls-entry.js';
import { KernelArgs } from './kernel-args.js';
import { parseOsRelease } from './os-release.js';

/** File names of a deployment's boot files inside `/boot/ostree/<stateroot>-<bootcsum>/`. */
export interface KernelLayoutNames {
  /** `vmlinuz-<kver>`. */
  kernel: string;
  /** `initramfs-<kver>.img`, when the tree has an initramfs. */
  initramfs?: string;
  /** `devicetree-<kver>`, when the tree has a single device tree. */
  devicetree?: string;
  /** A directory of device trees (relative to the boot checksum directory, e.g. `dtb`): written as `fdtdir`. */
  devicetreeDir?: string;
}

/** Everything `install_deployment_kernel` uses to fill in a deployment's BLS entry. */
export interface DeploymentEntryInput {
  /** The deployment's current entry (kept keys survive), or undefined for a new deployment. */
  bootconfig?: BlsEntry;
  /** The deployment's kernel arguments; overrides `bootconfig.options` when given. */
  kernelArgs?: string;
  /** Contents of the deployment's `usr/lib/os-release` (or `etc/os-release`), or its parsed map. */
  osRelease: string | ReadonlyMap<string, string>;
  /** The commit's `version` metadata, if any. */
  commitVersion?: string;
  stateroot: string;
  /** Position in the new deployment list (0 = default). */
  index: number;
  deploymentCount: number;
  /** ostree shows the stateroot in titles only when the deployments span several stateroots. */
  showStateroot: boolean;
  bootVersion: 0 | 1;
  bootcsum: string;
  bootserial: number;
  kernel: KernelLayoutNames;
  /** Checksums of initramfs overlays (`/boot/ostree/initramfs-overlays/<sum>.img`). */
  overlayInitrds?: readonly string[];
  /** `sysroot.bls-append-except-default` pairs: added to every entry but the default one. */
  blsAppendExceptDefault?: ReadonlyArray<readonly [string, string]>;
  /** `sysroot.bootprefix` (ostree ≥ 2023): paths start with `/boot/` instead of `/`. */
  bootPrefix?: boolean;
  /**
   * Newer ostree (2024.x) writes `aboot` and `abootcfg` on every entry, pointing into the
   * deployment (`/ostree/deploy/<stateroot>/deploy/<csum>.<deployserial>/usr/lib/ostree-boot/…`)
   * or, for `aboot`, at an Android boot image installed next to the kernel (`abootImage`).
   * Omit for ostree ≤ 2023 (Debian's 2022.7 writes neither).
   */
  aboot?: { csum: string; deployserial: number; abootImage?: string };
}

const SAFE_NAME = /^[A-Za-z0-9_.+-]+$/;
const SAFE_REL = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_.+/-]+$/;

function check(what: string, value: string, re: RegExp): void {
  if (!re.test(value) || value.startsWith('/')) {
    throw new InvalidArgumentError(`invalid ${what}: ${JSON.stringify(value)}`);
  }
}

/**
 * The title ostree gives an entry: `PRETTY_NAME` (or `ID`), then the commit version unless the
 * name already contains it, then `(ostree[:<stateroot>]:<index>)`.
 */
export function deploymentTitle(input: {
  osRelease: string | ReadonlyMap<string, string>;
  commitVersion?: string;
  stateroot: string;
  index: number;
  showStateroot: boolean;
}): string {
  const osRelease = typeof input.osRelease === 'string' ? parseOsRelease(input.osRelease) : input.osRelease;
  const name = osRelease.get('PRETTY_NAME') ?? osRelease.get('ID');
  if (name === undefined) throw new NotFoundError('No PRETTY_NAME or ID in /etc/os-release');
  let title = name;
  const version = input.commitVersion;
  if (version && !name.includes(version)) title += ` ${version}`;
  title += ' (ostree';
  if (input.showStateroot) title += `:${input.stateroot}`;
  title += `:${input.index})`;
  return title;
}

/**
 * Builds a deployment's BLS entry exactly as `ostree admin deploy` does
 * (ostree-sysroot-deploy.c `install_deployment_kernel`): title, `version` = count − index,
 * `linux`/`initrd`/`devicetree` under `/ostree/<stateroot>-<bootcsum>/`, and `options` with
 * `ostree=/ostree/boot.<bv>/<stateroot>/<bootcsum>/<bootserial>` set in place (plus `init=` to
 * ostree-prepare-root when there is no initramfs).
 */
export function buildDeploymentEntry(input: DeploymentEntryInput): BlsEntry {
  const { stateroot, index, deploymentCount, bootVersion, bootcsum, bootserial, kernel } = input;
  check('stateroot', stateroot, SAFE_NAME);
  check('boot checksum', bootcsum, /^[0-9a-f]{64}$/);
  check('kernel file name', kernel.kernel, SAFE_NAME);
  if (kernel.initramfs !== undefined) check('initramfs file name', kernel.initramfs, SAFE_NAME);
  if (kernel.devicetree !== undefined) check('devicetree file name', kernel.devicetree, SAFE_NAME);
  if (kernel.devicetreeDir !== undefined) check('devicetree directory', kernel.devicetreeDir, SAFE_REL);
  if (!Number.isInteger(index) || index < 0 || index >= deploymentCount) {
    throw new InvalidArgumentError(`deployment index ${index} out of range 0..${deploymentCount - 1}`);
  }
  if (bootVersion !== 0 && bootVersion !== 1) throw new InvalidArgumentError(`boot version must be 0 or 1`);
  if (!Number.isInteger(bootserial) || bootserial < 0) throw new InvalidArgumentError('invalid boot serial');

  const entry: BlsEntry = input.bootconfig
    ? { ...input.bootconfig, overlayInitrds: [...input.bootconfig.overlayInitrds], extra: input.bootconfig.extra.map(([k, v]) => [k, v]) }
    : emptyBlsEntry();
  const prefix = input.bootPrefix ? '/boot/' : '/';
  const bootcsumdir = `ostree/${stateroot}-${bootcsum}`;

  entry.title = deploymentTitle(input);
  entry.version = String(deploymentCount - index);
  entry.linux = `${prefix}${bootcsumdir}/${kernel.kernel}`;

  const kargs = KernelArgs.parse(input.kernelArgs ?? entry.options);
  if (kernel.initramfs !== undefined) {
    entry.initrd = `${prefix}${bootcsumdir}/${kernel.initramfs}`;
    const overlays = input.overlayInitrds ?? [];
    for (const sum of overlays) check('overlay initrd checksum', sum, /^[0-9a-f]{64}$/);
    if (overlays.length > 0) entry.overlayInitrds = overlays.map((sum) => `${prefix}ostree/initramfs-overlays/${sum}.img`);
  } else {
    kargs.replace(`init=/ostree/boot.${bootVersion}/${stateroot}/${bootcsum}/${bootserial}/usr/lib/ostree/ostree-prepare-root`);
  }
  if (kernel.devicetree !== undefined) {
    entry.devicetree = `${prefix}${bootcsumdir}/${kernel.devicetree}`;
  } else if (kernel.devicetreeDir !== undefined) {
    setBlsValue(entry, 'fdtdir', `${prefix}${bootcsumdir}/${kernel.devicetreeDir}`);
  }
  if (input.aboot !== undefined) {
    const { csum, deployserial, abootImage } = input.aboot;
    check('deployment checksum', csum, /^[0-9a-f]{64}$/);
    if (!Number.isInteger(deployserial) || deployserial < 0) throw new InvalidArgumentError('invalid deploy serial');
    const deploymentDir = `/ostree/deploy/${stateroot}/deploy/${csum}.${deployserial}`;
    if (abootImage !== undefined) check('aboot image name', abootImage, SAFE_NAME);
    setBlsValue(entry, 'aboot', abootImage !== undefined ? `/${bootcsumdir}/${abootImage}` : `${deploymentDir}/usr/lib/ostree-boot/aboot.img`);
    setBlsValue(entry, 'abootcfg', `${deploymentDir}/usr/lib/ostree-boot/aboot.cfg`);
  }
  kargs.replace(`ostree=/ostree/boot.${bootVersion}/${stateroot}/${bootcsum}/${bootserial}`);
  entry.options = kargs.toString();

  if (index !== 0) {
    for (const [key, value] of input.blsAppendExceptDefault ?? []) setBlsValue(entry, key, value);
  }
  return entry;
}

/**
 * A deployment's kernel arguments with the `ostree=` value blanked, for comparing boot
 * configurations (ostree's `get_deployment_nonostree_kargs`: `ostree=…` becomes a bare `ostree`
 * in place). ostree skips writing a new boot version ("bootconfig swap: no") when, position by
 * position, the new deployments have the same boot checksum, overlay initrds, these kernel
 * arguments and commit version as the current ones.
 */
export function nonOstreeKernelArgs(options: string | undefined): string {
  return KernelArgs.parse(options).replace('ostree').toString();
}

/**
 * Parses `sysroot.bls-append-except-default` (`key1=value1;key2=value2`), as ostree's repo
 * config loader does; InvalidArgument for a pair without `=`.
 */
export function parseBlsAppendExceptDefault(value: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const pair of value.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new InvalidArgumentError('bls-append-except-default key must be of the form "key1=value1;key2=value2..."');
    }
    out.push([pair.slice(0, eq), pair.slice(eq + 1)]);
  }
  return out;
}
