// The ≥ 40-package fixture set (rpmbuild + createrepo_c at test time, from @tsostree/compose/testing) composed
// with @tsostree/compose and deployed with @tsostree/sysroot: the commit boots the ostree way (kernel and
// initramfs under boot/ostree/<stateroot>-<bootcsum>/, a BLS entry), /etc comes from usr/etc, the rpmdb and the
// users made by %pre scriptlets are in the deployment, and the real ostree and rpm read the result.
import { lstat, readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { composeTree } from '@tsostree/compose';
import { buildComposeFixtureRepo, FIXTURE_KVER, FIXTURE_TREEFILE_PACKAGES } from '@tsostree/compose/testing';
import { Rpmdb } from '@tsostree/rpmdb';
import { initFs, initStateroot, Sysroot, type Deployment } from '@tsostree/sysroot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ostree, removeTree, run, tempDir } from '../test/sysroot-fixture.js';

let work: string;
let root: string;
let composed: Awaited<ReturnType<typeof composeTree>>;
let deployment: Deployment;
let dir: string;

beforeAll(async () => {
  work = await tempDir('fixture-deploy');
  const fx = await buildComposeFixtureRepo({ variant: 'v1' });
  await mkdir(join(work, 'config'));
  await writeFile(join(work, 'config', 'fx.repo'), `[fx]\nname=fx\nbaseurl=${pathToFileURL(fx.repoDir).href}\ngpgcheck=0\n`);
  await writeFile(
    join(work, 'config', 'tree.yaml'),
    `ref: fx/x86_64/os\nrepos: [fx]\npackages: [${FIXTURE_TREEFILE_PACKAGES.join(', ')}]\nrecommends: false\nautomatic-version-prefix: "1"\n`,
  );
  root = join(work, 'sysroot');
  await initFs(root);
  await initStateroot(root, 'fx');
  // straight into the sysroot's (bare) repository, the way a machine composes for itself
  composed = await composeTree(join(work, 'config', 'tree.yaml'), { repo: join(root, 'ostree/repo'), basearch: 'x86_64', timestamp: 1_700_000_000 });
  const sysroot = await Sysroot.open(root);
  deployment = (await sysroot.deploy('fx/x86_64/os', { stateroot: 'fx', karg: ['root=LABEL=fx-root', 'quiet'] })).deployment;
  dir = join(root, 'ostree/deploy/fx/deploy', `${deployment.checksum}.${deployment.serial}`);
}, 900_000);
afterAll(async () => {
  if (work) await removeTree(work);
});

describe('a composed fixture commit deployed with @tsostree/sysroot', () => {
  it('installs the kernel and initramfs under boot/ostree and writes a BLS entry for them', async () => {
    expect(composed).toMatchObject({ changed: true, kernelVersion: FIXTURE_KVER, version: '1' });
    expect(composed.packages.length).toBeGreaterThanOrEqual(40);
    expect(deployment.checksum).toBe(composed.commit);
    const bootDir = `ostree/fx-${deployment.bootcsum}`;
    expect(await readdir(join(root, 'boot', bootDir))).toEqual([`initramfs-${FIXTURE_KVER}.img`, `vmlinuz-${FIXTURE_KVER}`]);
    // the same bytes the kernel package put in /usr/lib/modules
    for (const [boot, mod] of [[`vmlinuz-${FIXTURE_KVER}`, 'vmlinuz'], [`initramfs-${FIXTURE_KVER}.img`, 'initramfs.img']] as const) {
      expect(await readFile(join(root, 'boot', bootDir, boot))).toEqual(await readFile(join(dir, `usr/lib/modules/${FIXTURE_KVER}`, mod)));
    }
    const entry = await readFile(join(root, 'boot/loader/entries/ostree-1-fx.conf'), 'utf8');
    expect(entry).toContain(`linux /${bootDir}/vmlinuz-${FIXTURE_KVER}\n`);
    expect(entry).toContain(`initrd /${bootDir}/initramfs-${FIXTURE_KVER}.img\n`);
    expect(entry).toMatch(new RegExp(`^options root=LABEL=fx-root quiet ostree=/ostree/boot\\.1/fx/${deployment.bootcsum}/0$`, 'm'));
    // the real ostree sees the deployment
    expect(await ostree('admin', 'status', `--sysroot=${root}`)).toContain(`fx ${composed.commit}.0`);
  });

  it('has /etc from usr/etc, the %pre users, setuid bits, and an rpmdb that we and the real rpm read', async () => {
    expect((await lstat(join(dir, 'etc'))).isDirectory()).toBe(true);
    for (const f of ['machine-id', 'nsswitch.conf', 'os-release', 'passwd', 'group']) {
      const [a, b] = await Promise.all([lstat(join(dir, 'etc', f)), lstat(join(dir, 'usr/etc', f))]);
      expect(a.isSymbolicLink(), f).toBe(b.isSymbolicLink());
    }
    expect(await readFile(join(dir, 'etc/machine-id'), 'utf8')).toBe('');
    expect(await readFile(join(dir, 'etc/passwd'), 'utf8')).toMatch(/^root:x:0:0:/m);
    // chrony's %pre made its user and group (rpm-ostree moves them to usr/lib, read through nss-altfiles)
    expect(await readFile(join(dir, 'usr/lib/passwd'), 'utf8')).toMatch(/^chrony:x:994:994:/m);
    expect(await readFile(join(dir, 'usr/lib/group'), 'utf8')).toMatch(/^chrony:x:994:/m);
    expect(await readFile(join(dir, 'etc/nsswitch.conf'), 'utf8')).toMatch(/^passwd: .*altfiles/m);
    const sudo = await lstat(join(dir, 'usr/bin/sudo'));
    expect([sudo.uid, sudo.mode & 0o7777]).toEqual([0, 0o4111]);
    const db = await Rpmdb.open(join(dir, 'usr/share/rpm'));
    try {
      const names = [...db.packages()].length;
      expect(names).toBe(composed.packages.length);
    } finally {
      db.close();
    }
    const qa = (await run('rpm', ['--root', dir, '--dbpath', '/usr/share/rpm', '-qa', '--qf', '%{NEVRA}\n'])).stdout.trim().split('\n').sort();
    expect(qa).toEqual([...composed.packages].sort());
  });
});
