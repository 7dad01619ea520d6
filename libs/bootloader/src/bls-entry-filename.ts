import { InvalidArgumentError } from '@tsostree/errors';

/**
 * How BLS entry files are named: ostree ≤ 2024.4 writes `ostree-<N>-<stateroot>.conf`, newer
 * releases `ostree-<N>.conf` (ostree-sysroot-deploy.c `bootloader_entry_filename`).
 */
export type BlsNaming = 'with-stateroot' | 'index-only';

/**
 * The file name of the BLS entry of the deployment at `index` (0 = the default one) among
 * `deploymentCount` deployments: N = count − index, so the default entry has the highest N.
 */
export function blsEntryFilename(options: {
  index: number;
  deploymentCount: number;
  stateroot: string;
  naming: BlsNaming;
}): string {
  const { index, deploymentCount, stateroot, naming } = options;
  if (!Number.isInteger(index) || !Number.isInteger(deploymentCount) || index < 0 || index >= deploymentCount) {
    throw new InvalidArgumentError(`deployment index ${index} out of range 0..${deploymentCount - 1}`);
  }
  if (naming === 'with-stateroot' && !/^[A-Za-z0-9_.-]+$/.test(stateroot)) {
    throw new InvalidArgumentError(`invalid stateroot name: ${JSON.stringify(stateroot)}`);
  }
  const n = deploymentCount - index;
  return naming === 'with-stateroot' ? `ostree-${n}-${stateroot}.conf` : `ostree-${n}.conf`;
}
