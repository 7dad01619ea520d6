// Work functions run in a fresh process by `timeOurs` for the sysroot deploy benchmark.
import { Sysroot } from '@tsostree/sysroot';

/** `ostree admin deploy --os=<stateroot> <ref>` with our library; units = files in the tree. */
export async function deploy(root: string, ref: string, stateroot: string, files: number): Promise<{ units: number }> {
  const sysroot = await Sysroot.open(root);
  await sysroot.deploy(ref, { stateroot });
  return { units: files };
}
