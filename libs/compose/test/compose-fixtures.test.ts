// The fixture repository builds with the real rpmbuild + createrepo_c, has what the compose tests need,
// and its dependency closure is installable by the real dnf (with every scriptlet run by rpm in a chroot).
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatNevra, packageFiles, packageNevra, packageScriptlets, readPackageHeaders, readPrimary } from '@tsostree/rpmdb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildComposeFixtureRepo,
  FIXTURE_HOSTILE_PACKAGES,
  FIXTURE_KVER,
  FIXTURE_TREEFILE_PACKAGES,
  type ComposeFixtureRepo,
} from './compose-fixtures.js';

let v1: ComposeFixtureRepo;
let v2: ComposeFixtureRepo;

beforeAll(async () => {
  [v1, v2] = await Promise.all([buildComposeFixtureRepo(), buildComposeFixtureRepo({ variant: 'v2' })]);
}, 240_000);

async function header(repo: ComposeFixtureRepo, name: string) {
  const path = repo.rpms.find((p) => p.slice(p.lastIndexOf('/') + 1).startsWith(`${name}-`) && /-\d/.test(p.slice(p.lastIndexOf('/') + name.length + 1)));
  if (!path) throw new Error(`no package ${name}`);
  return (await readPackageHeaders(path)).header;
}

describe('compose fixture repository', () => {
  it('has at least 40 packages, listed in its createrepo_c metadata', async () => {
    expect(v1.packages.length).toBeGreaterThanOrEqual(40);
    const names: string[] = [];
    for await (const pkg of readPrimary(v1.repoDir)) names.push(`${pkg.name}-${pkg.version}-${pkg.release}.${pkg.arch}`);
    expect(names.sort()).toEqual(v1.packages);
  });

  it('v2 differs from v1 by exactly one upgraded package', () => {
    const only1 = v1.packages.filter((p) => !v2.packages.includes(p));
    const only2 = v2.packages.filter((p) => !v1.packages.includes(p));
    expect(only1).toEqual(['chrony-4.5-1.fx.x86_64']);
    expect(only2).toEqual(['chrony-4.6-1.fx.x86_64']);
  });

  it('has a kernel with vmlinuz and a packaged initramfs under /usr/lib/modules/<kver>/', async () => {
    const paths = packageFiles(await header(v1, 'kernel-core')).map((f) => f.path);
    expect(paths).toContain(`/usr/lib/modules/${FIXTURE_KVER}/vmlinuz`);
    expect(paths).toContain(`/usr/lib/modules/${FIXTURE_KVER}/initramfs.img`);
  });

  it('has config files, /var content, setuid and capability files, every kind of scriptlet', async () => {
    const sudo = packageFiles(await header(v1, 'sudo'));
    expect(sudo.find((f) => f.path === '/usr/bin/sudo')!.mode & 0o7777).toBe(0o4111);
    expect(sudo.find((f) => f.path === '/etc/sudoers')).toMatchObject({ config: true, noreplace: true });
    const ping = packageFiles(await header(v1, 'iputils')).find((f) => f.path === '/usr/bin/ping')!;
    expect(ping.caps).toBe('cap_net_raw=ep');
    const chrony = await header(v1, 'chrony');
    const chronyFiles = packageFiles(chrony);
    expect(chronyFiles.find((f) => f.path === '/var/lib/chrony')).toMatchObject({ user: 'chrony', group: 'chrony' });
    expect(packageScriptlets(chrony).map((s) => s.kind)).toEqual(['prein']);
    expect(packageScriptlets(await header(v1, 'systemd')).map((s) => s.kind)).toEqual(['postin']);
    expect(packageScriptlets(await header(v1, 'ca-certificates')).map((s) => s.kind)).toEqual(['posttrans']);
    expect(packageScriptlets(await header(v1, 'lua-scripted'))[0]).toMatchObject({ kind: 'postin', lua: true });
    expect(formatNevra(packageNevra(await header(v1, 'openssl-libs')))).toBe('openssl-libs-1:3.0.9-2.fx.x86_64');
  });

  it('installs with the real dnf: the default package set resolves and every scriptlet succeeds', () => {
    const root = mkdtempSync(join(tmpdir(), 'fx-dnf-'));
    try {
      const conf = join(root, 'dnf.conf');
      writeFileSync(conf, '[main]\ngpgcheck=0\nreposdir=/nonexistent\ninstall_weak_deps=False\n');
      const installroot = join(root, 'root');
      execFileSync(
        'dnf',
        ['-y', '-q', `--installroot=${installroot}`, `--config=${conf}`, `--repofrompath=fx,file://${v1.repoDir}`,
          '--releasever=1', 'install', ...FIXTURE_TREEFILE_PACKAGES],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const installed = execFileSync('rpm', ['--root', installroot, '-qa', '--qf', '%{NAME}\n'], { encoding: 'utf8' })
        .trim()
        .split('\n');
      expect(installed.length).toBeGreaterThanOrEqual(40);
      for (const hostile of FIXTURE_HOSTILE_PACKAGES) expect(installed).not.toContain(hostile);
      // The %pre of chrony and dbus-common created their users; /var/lib/chrony got its owner from them.
      const passwd = readFileSync(join(installroot, 'etc/passwd'), 'utf8');
      expect(passwd).toMatch(/^chrony:x:994:994:/m);
      expect(passwd).toMatch(/^dbus:x:81:81:/m);
      expect(lstatSync(join(installroot, 'var/lib/chrony')).uid).toBe(994);
      expect(readFileSync(join(installroot, 'etc/machine-id'), 'utf8')).toMatch(/^[0-9a-f]{32}\n$/);
      expect(readFileSync(join(installroot, 'etc/pki/tls/certs/ca-bundle.crt'), 'utf8')).toContain('FIXTURE-ROOT-CA-2');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
