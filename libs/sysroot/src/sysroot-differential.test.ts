// The same sequence of operations with the real `ostree admin` (2022.7) and with our library, on
// the same commits: after every step both sysroots must be identical — every file, directory and
// symlink with its mode, owner and content hash or target (timestamps and inode numbers aside).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../test/ostree-cli.js';
import { editEtc, makePair, type Pair } from '../test/pair.js';
import { Sysroot } from './index.js';

const LIBOSTREE_PY = fileURLToPath(new URL('../test/libostree.py', import.meta.url));

describe('differential: ostree admin vs @tsostree/sysroot', () => {
  let p: Pair;
  const c: string[] = [];
  const open = (): Promise<Sysroot> => Sysroot.open(p.ours);
  const expectSame = (): void => {
    const { theirs, ours } = p.snapshots();
    // Guard against comparing two empty trees: the boot config and a deployment must be there.
    expect(theirs.some((l) => /^boot\/loader\.[01]\/entries\/ostree-1-testos\.conf: file/.test(l))).toBe(true);
    expect(theirs.some((l) => /^ostree\/deploy\/testos\/deploy\/[0-9a-f]{64}\.0\/etc: dir/.test(l))).toBe(true);
    expect(ours).toEqual(theirs);
  };

  beforeAll(async () => {
    p = await makePair('diff');
  });
  afterAll(() => p.cleanup());

  it('1. first deploy with --karg and --karg-append', async () => {
    c.push(p.commit('testos/stable', { etc: { 'a.conf': 'a1\n', 'b.conf': 'b1\n', 'sub/c.conf': 'c1\n' } }, '1.0'));
    const theirsOut = p.admin(['deploy', '--os=testos', '--karg=root=/dev/vda', '--karg-append=console=ttyS0', 'testos/stable']);
    const lines: string[] = [];
    await (await open()).deploy('testos/stable', { stateroot: 'testos', karg: ['root=/dev/vda'], kargAppend: ['console=ttyS0'], onMessage: (l) => lines.push(l) });
    expect(lines.join('\n') + '\n').toBe(theirsOut);
    expectSame();
  });

  it('2. second deploy after local /etc edits: the merge is the same', async () => {
    const d0 = (await open()).deployments[0]!.path;
    editEtc(p.theirs, d0);
    editEtc(p.ours, d0);
    c.push(p.commit('testos/stable', { kernelSalt: 'v2', etc: { 'a.conf': 'a2\n', 'b.conf': 'b1\n', 'sub/c.conf': 'c1\n', 'd.conf': 'new default\n' } }, '2.0'));
    const theirsOut = p.admin(['deploy', '--os=testos', 'testos/stable']);
    const lines: string[] = [];
    const r = await (await open()).deploy('testos/stable', { stateroot: 'testos', onMessage: (l) => lines.push(l) });
    expect(lines.join('\n') + '\n').toBe(theirsOut);
    expect(r.etcMerge?.modified.map((e) => e.path)).toEqual(['a.conf']);
    expect(r.deployment.kernelArgs).toContain('root=/dev/vda console=ttyS0 ostree=');
    expectSame();
  });

  it('3. pin the rollback deployment', async () => {
    p.admin(['pin', '1']);
    expect(await (await open()).setPinned(1, true)).toBe(true);
    expect(await (await open()).setPinned(1, true)).toBe(false);
    expectSame();
  });

  it('4. third deploy (same kernel, new kargs): pinned one retained, old merge dropped', async () => {
    c.push(p.commit('testos/stable', { kernelSalt: 'v2', etc: { 'a.conf': 'a2\n', 'b.conf': 'b1\n', 'sub/c.conf': 'c1\n', 'd.conf': 'new default\n' }, files: { 'usr/share/v3': 'v3\n' } }, '3.0'));
    p.admin(['deploy', '--os=testos', '--karg-append=quiet', '--karg-delete=console=ttyS0', 'testos/stable']);
    await (await open()).deploy('testos/stable', { stateroot: 'testos', kargAppend: ['quiet'], kargDelete: ['console=ttyS0'] });
    const s = await open();
    expect(s.deployments.map((d) => [d.checksum, d.pinned])).toEqual([
      [c[2], false],
      [c[1], false],
      [c[0], true],
    ]);
    expectSame();
  });

  it('5. rollback (set-default of index 1, via libostree)', async () => {
    run('/usr/bin/python3', [LIBOSTREE_PY, p.theirs, 'set-default', '1']);
    const rolled = await (await open()).rollback({ stateroot: 'testos' });
    expect(rolled.checksum).toBe(c[1]);
    expectSame();
  });

  it('6. unpin and undeploy', async () => {
    p.admin(['pin', '--unpin', '2']);
    await (await open()).setPinned(2, false);
    expectSame();
    const theirsOut = p.admin(['undeploy', '2']);
    const lines: string[] = [];
    await (await open()).undeploy(2, { onMessage: (l) => lines.push(l) });
    expect(lines.at(-1) + '\n').toBe(theirsOut.split('\n').filter((l) => l.startsWith('Deleted')).join('\n') + '\n');
    expectSame();
  });

  it('7. kargs edit-in-place', async () => {
    p.admin(['kargs', 'edit-in-place', '--append-if-missing=audit=0']);
    await (await open()).editKernelArgsInPlace((k) => k.appendIfMissing('audit=0'));
    expectSame();
  });

  it('8. deploy a checksum --not-as-default --retain, then again (serial 1)', async () => {
    // v1 was pruned when its last deployment went: fetch it again by checksum.
    p.pullBoth(c[0]!);
    p.admin(['deploy', '--os=testos', '--not-as-default', '--retain', c[0]!]);
    await (await open()).deploy(c[0]!, { stateroot: 'testos', notAsDefault: true, retain: true });
    expectSame();
    p.admin(['deploy', '--os=testos', '--retain', '--karg-none', '--karg=root=/dev/vdb', c[0]!]);
    const r = await (await open()).deploy(c[0]!, { stateroot: 'testos', retain: true, kargNone: true, karg: ['root=/dev/vdb'] });
    expect(r.deployment.serial).toBe(1);
    expect(r.deployment.refspec).toBe(c[0]);
    expectSame();
  });

  it('9. set-default back to the newest, then cleanup', async () => {
    const s = await open();
    const idx = s.deployments.findIndex((d) => d.checksum === c[2]);
    run('/usr/bin/python3', [LIBOSTREE_PY, p.theirs, 'set-default', String(idx)]);
    await s.setDefault(idx);
    expectSame();
    p.admin(['cleanup']);
    await (await open()).cleanup();
    expectSame();
  });

  it('10. a second stateroot (titles show it) and --no-merge', async () => {
    p.admin(['os-init', 'other']);
    const { initStateroot } = await import('./index.js');
    await initStateroot(p.ours, 'other');
    c.push(p.commit('other/main', { osName: 'Other OS', kver: '6.9.0-other' }, '9'));
    p.admin(['deploy', '--os=other', '--no-merge', '--retain', 'other/main']);
    await (await open()).deploy('other/main', { stateroot: 'other', noMerge: true, retain: true });
    expectSame();
  });
});
