// Crash safety: each operation runs in a child process that is SIGKILLed at one named failpoint;
// afterwards the boot configuration must reference only complete deployments (and real ostree
// must load the sysroot), and running the operation again must succeed. Every failpoint of
// deploy, the boot-version and sub-boot-version swaps, staging, finalization and cleanup is hit.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBootable } from '../test/bootable.js';
import { commitTree, scratch, writeTree } from '../test/ostree-cli.js';
import { runOp } from '../test/crash-ops.js';
import { runTs } from '../test/run-child.js';
import { Sysroot, initFs, initStateroot } from './index.js';

const CHILD = fileURLToPath(new URL('../test/crash-child.ts', import.meta.url));

interface Scenario {
  op: string;
  /** Template sysroot to copy for each run. */
  template: string;
  booted?: string;
}

describe('failpoint crash test', () => {
  const work = scratch('crash');
  const scenarios: Scenario[] = [];
  const killed = new Set<string>();
  let n = 0;

  beforeAll(async () => {
    // t1: v1 deployed, /etc edited, v2 committed (deploy / stage / undeploy start here).
    const t1 = join(work.path, 't1');
    await initFs(t1);
    await initStateroot(t1, 'testos');
    const repo = join(t1, 'ostree/repo');
    writeTree(join(work.path, 'tree1'), { etc: { 'a.conf': 'a\n' } });
    writeTree(join(work.path, 'tree2'), { kernelSalt: 'v2', etc: { 'a.conf': 'a2\n', 'b.conf': 'b\n' } });
    commitTree(repo, 'testos/stable', join(work.path, 'tree1'), '1');
    let s = await Sysroot.open(t1);
    await s.deploy('testos/stable', { stateroot: 'testos', karg: ['root=/dev/vda'] });
    await s.deploy('testos/stable', { stateroot: 'testos', retain: true });
    writeFileSync(join(t1, s.deployments[0]!.path, 'etc/local.conf'), 'local\n');
    commitTree(repo, 'testos/stable', join(work.path, 'tree2'), '2');
    s = await Sysroot.open(t1);
    const booted = s.deployments[0]!.kernelArgs;
    scenarios.push({ op: 'deploy', template: t1 }, { op: 'reorder', template: t1 }, { op: 'undeploy', template: t1 }, { op: 'stage', template: t1, booted });
    // t2: v2 staged on a booted v1 (finalize starts here).
    const t2 = join(work.path, 't2');
    cpSync(t1, t2, { recursive: true, verbatimSymlinks: true });
    await (await Sysroot.open(t2, { booted: { cmdline: booted } })).deploy('testos/stable', { stateroot: 'testos', stage: true });
    scenarios.push({ op: 'finalize', template: t2, booted });
  }, 120_000);
  afterAll(() => work.cleanup());

  const fresh = (template: string): string => {
    const dir = join(work.path, `run-${n++}`);
    mkdirSync(dir);
    cpSync(template, dir, { recursive: true, verbatimSymlinks: true });
    return dir;
  };

  it('kills every operation at every failpoint; the machine stays bootable and a re-run succeeds', async () => {
    const report: string[] = [];
    for (const sc of scenarios) {
      // Which failpoints does this operation reach?
      // (a dry run in this process, recording them)
      const hits: string[] = [];
      await runOp(fresh(sc.template), sc.op, sc.booted, (name) => void hits.push(name));
      const points = [...new Set(hits)];
      expect(points.length).toBeGreaterThan(0);
      for (const fp of points) {
        if (killed.has(fp)) continue;
        killed.add(fp);
        const root = fresh(sc.template);
        const k = await runTs(CHILD, [root, sc.op, fp, sc.booted ?? '']);
        expect(k.signal, `${sc.op} @ ${fp}: ${k.stderr}`).toBe('SIGKILL');
        await assertBootable(root, sc.booted);
        // The re-run (in this process) must succeed and leave a bootable machine.
        await runOp(root, sc.op, sc.booted);
        await assertBootable(root, sc.booted);
        report.push(`${sc.op}@${fp}`);
      }
    }
    // Every failpoint the library defines was exercised.
    expect([...killed].sort()).toEqual([
      'cleanup:after-bootdirs',
      'cleanup:after-bootversions',
      'cleanup:after-deployment-removed',
      'cleanup:after-refs',
      'deploy:after-checkout',
      'deploy:after-etc-copy',
      'deploy:after-etc-merge',
      'deploy:after-origin',
      'deploy:before-checkout',
      'finalize:after-finalize-deployment',
      'finalize:after-unlink-record',
      'stage:after-record',
      'stage:before-record',
      'swap:after-bootlinks',
      'swap:after-entries',
      'swap:after-kernels',
      'swap:after-loader-rename',
      'swap:after-subbootversion-swap',
      'swap:before-loader-rename',
    ]);
    expect(report.length).toBe(killed.size);
  }, 400_000);
});
