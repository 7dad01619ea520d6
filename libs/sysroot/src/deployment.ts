import type { BlsEntry } from '@tsostree/bootloader';
import type { KeyFile } from '@tsostree/objstore';
import { formatDeploymentName } from './deployment-name.js';

/** ostree's unlocked states (`ostree admin unlock`); only read here. */
export type UnlockedState = 'none' | 'hotfix' | 'development' | 'transient';

/**
 * One deployment, as loaded from the sysroot (ostree's `OstreeDeployment`). Plain data: a new
 * `Sysroot` load gives new objects; compare deployments with {@link sameDeployment}.
 */
export interface Deployment {
  /** Position in the deployment list (0 = default / staged). */
  readonly index: number;
  /** The stateroot ("osname"). */
  readonly stateroot: string;
  /** Commit checksum of the deployed tree. */
  readonly checksum: string;
  /** Deployment serial: counts deployments of the same commit in the stateroot. */
  readonly serial: number;
  /** Checksum of the kernel/initramfs/devicetree set (the `boot/ostree/<stateroot>-<bootcsum>` directory). */
  readonly bootcsum: string;
  /** Serial among deployments sharing the bootcsum (the `ostree/boot.N/<stateroot>/<bootcsum>/<bootserial>` link). */
  readonly bootserial: number;
  /** The origin key file (`<deployment>.origin`), when present. */
  readonly origin: KeyFile | undefined;
  /** `origin.refspec` (or `origin.container-image-reference`) when present. */
  readonly refspec: string | undefined;
  /** The deployment's BLS entry (undefined for a staged deployment). */
  readonly bootconfig: BlsEntry | undefined;
  /** The BLS entry's file name in `boot/loader/entries/`. */
  readonly entryFilename: string | undefined;
  /** The kernel arguments (`options` of the entry, or the staged deployment's kargs). */
  readonly kernelArgs: string;
  /** Checksums of initramfs overlays. */
  readonly overlayInitrds: readonly string[];
  /** `libostree-transient.pinned` in the origin: never garbage-collected. */
  readonly pinned: boolean;
  readonly staged: boolean;
  /** The staged deployment is locked: `finalizeStaged` refuses until it is unlocked. */
  readonly finalizationLocked: boolean;
  readonly booted: boolean;
  readonly unlocked: UnlockedState;
  /** The commit's `version` metadata, when the commit is in the repository and has one. */
  readonly version: string | undefined;
  /** Sysroot-relative path of the deployment directory. */
  readonly path: string;
}

/** `ostree/deploy/<stateroot>/deploy/<checksum>.<serial>` */
export function deploymentRelPath(d: { stateroot: string; checksum: string; serial: number }): string {
  return `ostree/deploy/${d.stateroot}/deploy/${formatDeploymentName(d)}`;
}

/** `ostree/deploy/<stateroot>/deploy/<checksum>.<serial>.origin` */
export function originRelPath(d: { stateroot: string; checksum: string; serial: number }): string {
  return `${deploymentRelPath(d)}.origin`;
}

/** ostree_deployment_equal: same stateroot, checksum and serial. */
export function sameDeployment(
  a: { stateroot: string; checksum: string; serial: number } | undefined,
  b: { stateroot: string; checksum: string; serial: number } | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.stateroot === b.stateroot && a.checksum === b.checksum && a.serial === b.serial;
}

export const ORIGIN_TRANSIENT_GROUP = 'libostree-transient';
