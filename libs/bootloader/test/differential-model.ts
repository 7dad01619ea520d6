// Our side of the differential tests: from the same inputs the real `ostree admin deploy` got,
// compute the deployment list, the BLS entries and the backend configuration with our code.
import {
  blsEntryFilename,
  buildDeploymentEntry,
  KernelArgs,
  type BlsEntry,
  type LoaderEntry,
} from '../src/index.js';
import type { Commit, DeployStep } from './ostree-fixture.js';

export interface ModelDeployment {
  stateroot: string;
  commit: Commit;
  /** The entry as last written (undefined for a deployment not written yet). */
  entry?: BlsEntry;
  /** Kernel arguments of a new deployment. */
  kernelArgs?: string;
}

export interface Model {
  bootVersion: 0 | 1;
  deployments: ModelDeployment[];
  blsAppendExceptDefault?: Array<[string, string]>;
}

/** `ostree admin deploy --os=<stateroot>` on the model: the new deployment's kargs and the retained list. */
export function modelDeploy(model: Model, stateroot: string, step: DeployStep): void {
  const merge = model.deployments.find((d) => d.stateroot === stateroot);
  const mergeOptions = merge?.entry?.options ?? '';
  let kernelArgs = mergeOptions;
  if (step.karg || step.kargAppend || step.kargDelete) {
    const kargs = KernelArgs.parse(mergeOptions);
    kargs.replaceArgv(step.karg ?? []);
    kargs.appendArgv(step.kargAppend ?? []);
    for (const arg of step.kargDelete ?? []) kargs.delete(arg);
    kernelArgs = kargs.toString();
  }
  const kept = model.deployments.filter((d) => d.stateroot !== stateroot || d === merge);
  model.deployments = [{ stateroot, commit: step.commit, kernelArgs }, ...kept];
  model.bootVersion = model.bootVersion === 0 ? 1 : 0;
}

/** The entries of the model's current boot version, as our code writes them. */
export function modelEntries(model: Model, osRelease: (d: ModelDeployment) => string): LoaderEntry[] {
  const count = model.deployments.length;
  const serials = new Map<string, number>();
  const showStateroot = model.deployments.some((d) => d.stateroot !== model.deployments[0].stateroot);
  return model.deployments.map((d, index) => {
    const bootserial = serials.get(d.commit.bootcsum) ?? 0;
    serials.set(d.commit.bootcsum, bootserial + 1);
    const { spec } = d.commit;
    const entry = buildDeploymentEntry({
      bootconfig: d.entry,
      kernelArgs: d.entry === undefined ? d.kernelArgs : undefined,
      osRelease: osRelease(d),
      commitVersion: d.commit.version,
      stateroot: d.stateroot,
      index,
      deploymentCount: count,
      showStateroot,
      bootVersion: model.bootVersion,
      bootcsum: d.commit.bootcsum,
      bootserial,
      kernel: {
        kernel: `vmlinuz-${spec.kver}`,
        initramfs: spec.noInitramfs ? undefined : `initramfs-${spec.kver}.img`,
        devicetree: spec.devicetree ? `devicetree-${spec.kver}` : undefined,
        devicetreeDir: spec.dtbDir ? 'dtb' : undefined,
      },
      blsAppendExceptDefault: model.blsAppendExceptDefault,
    });
    d.entry = entry;
    return { filename: blsEntryFilename({ index, deploymentCount: count, stateroot: d.stateroot, naming: 'with-stateroot' }), entry };
  });
}
