// The operations of the crash test, shared by the killed child and the in-process re-run.
import { Sysroot, type FailpointHook } from '../src/index.js';

export async function runOp(root: string, op: string, booted: string | undefined, failpoint?: FailpointHook): Promise<void> {
  const sysroot = await Sysroot.open(root, {
    ...(booted ? { booted: { cmdline: booted } } : {}),
    ...(failpoint ? { failpoint } : {}),
    // A SIGKILL loses no page cache: the write order is what is under test, not durability.
    sync: false,
  });
  switch (op) {
    case 'deploy':
      await sysroot.deploy('testos/stable', { stateroot: 'testos' });
      break;
    case 'reorder':
      await sysroot.setDefault(1);
      break;
    case 'stage':
      await sysroot.deploy('testos/stable', { stateroot: 'testos', stage: true });
      break;
    case 'finalize':
      await sysroot.finalizeStaged();
      break;
    case 'undeploy':
      await sysroot.undeploy(1);
      break;
    default:
      throw new Error(`unknown op ${op}`);
  }
}
