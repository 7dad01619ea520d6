import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError, InvalidArgumentError, IoError, UnsupportedError } from '@tsostree/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComposeFixtureRepo, FIXTURE_HOSTILE_PACKAGES, FIXTURE_KVER } from '../../test/compose-fixtures.js';
import { installFixtureRoot, type InstalledFixture } from '../../test/install-fixture-root.js';
import { postprocessRoot, type PostprocessResult } from './postprocess-root.js';

const scratch = mkdtempSync(join(tmpdir(), 'postprocess-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('postprocessRoot on the fixture distribution', () => {
  const root = join(scratch, 'fixture-root');
  let installed: InstalledFixture;
  let result: PostprocessResult;
  const addSrc = join(scratch, 'motd');

  beforeAll(async () => {
    const repo = await buildComposeFixtureRepo();
    mkdirSync(root);
    installed = await installFixtureRoot(repo, root, FIXTURE_HOSTILE_PACKAGES);
    writeFileSync(addSrc, 'Welcome to Fixture OS\n', { mode: 0o640 });
    result = await postprocessRoot(
      root,
      {
        units: ['chronyd.service', 'sshd.service'],
        'default-target': 'multi-user.target',
        'remove-files': ['usr/share/man', 'etc/pam.d/other'],
        'remove-from-packages': [['tzdata', '^/usr/share/zoneinfo/CET$']],
        'add-files': [['motd', '/etc/motd'], ['motd', '/usr/share/fx/motd']],
        postprocess: ['#!/bin/sh\necho inline-ran > /usr/share/fx-inline\n[ -f /etc/chrony.conf ] || exit 7\n'],
        'etc-group-members': ['wheel'],
        'machineid-compat': true,
        'boot-location': 'new',
        'mutate-os-release': '1',
      },
      { externals: { addFiles: { motd: addSrc } }, packages: installed.packages, nextVersion: '1.5' },
    );
  }, 300_000);

  it('has the rpm-ostree top level', () => {
    expect(readdirSync(root).sort()).toEqual(
      ['bin', 'boot', 'dev', 'home', 'lib', 'lib64', 'media', 'mnt', 'opt', 'ostree', 'proc', 'root', 'run', 'sbin', 'srv', 'sys', 'sysroot', 'tmp', 'usr', 'var'].sort(),
    );
    const links: Record<string, string> = {
      home: 'var/home', root: 'var/roothome', opt: 'var/opt', srv: 'var/srv', mnt: 'var/mnt', media: 'run/media',
      ostree: 'sysroot/ostree', tmp: 'sysroot/tmp', bin: 'usr/bin', lib: 'usr/lib', lib64: 'usr/lib64', sbin: 'usr/sbin',
    };
    for (const [name, target] of Object.entries(links)) expect(readlinkSync(join(root, name))).toBe(target);
    expect(readlinkSync(join(root, 'usr/local'))).toBe('../var/usrlocal');
    expect(readdirSync(join(root, 'var'))).toEqual([]);
    expect(readdirSync(join(root, 'boot'))).toEqual([]);
  });

  it('moves etc to usr/etc and empties machine-id', () => {
    expect(existsSync(join(root, 'etc'))).toBe(false);
    expect(readFileSync(join(root, 'usr/etc/chrony.conf'), 'utf8')).toContain('pool 2.fedora.pool.ntp.org');
    expect(readFileSync(join(root, 'usr/etc/machine-id'), 'utf8')).toBe('');
  });

  it('splits passwd and group like rpm-ostree, with altfiles in nsswitch.conf', () => {
    expect(readFileSync(join(root, 'usr/etc/passwd'), 'utf8')).toBe('root:x:0:0:Super User:/root:/bin/sh\n');
    const libPasswd = readFileSync(join(root, 'usr/lib/passwd'), 'utf8');
    expect(libPasswd).toMatch(/^chrony:x:994:994:/m);
    expect(libPasswd).toMatch(/^dbus:x:81:81:/m);
    expect(libPasswd).not.toMatch(/^root:/m);
    expect(readFileSync(join(root, 'usr/etc/group'), 'utf8')).toBe('root:x:0:\nwheel:x:10:\n');
    expect(readFileSync(join(root, 'usr/lib/group'), 'utf8')).toMatch(/^wheel:x:10:$/m);
    expect(readFileSync(join(root, 'usr/etc/nsswitch.conf'), 'utf8')).toContain('passwd: files altfiles systemd\n');
  });

  it('turns /var into tmpfiles.d entries with the package-created owners, dropping regular files', () => {
    const conf = readFileSync(join(root, 'usr/lib/tmpfiles.d/rpm-ostree-autovar.conf'), 'utf8');
    expect(conf).toContain('d /var/lib/chrony 0750 chrony chrony - -\n');
    expect(conf).toContain('d /var/lib/dbus 0755 dbus dbus - -\n');
    expect(conf).toContain('d /var/tmp 1777 root root - -\n');
    expect(conf).toContain('d /var/cache/logrotate 0700 root root - -\n');
    expect(conf).toContain('L /var/lock - - - - ../run/lock\n');
    expect(conf).toContain('L /var/lib/rpm - - - - ../../usr/share/rpm\n');
    expect(conf).not.toContain('/var/run');
    expect(conf.split('\n').filter(Boolean)).toEqual([...conf.split('\n').filter(Boolean)].sort());
    expect(result.droppedVarFiles.sort()).toEqual(['/var/lib/chrony/drift', '/var/lib/logrotate/logrotate.status']);
  });

  it('puts the kernel and the packaged initramfs under usr/lib/modules and usr/lib/ostree-boot (boot-location new)', () => {
    const dir = join(root, 'usr/lib/modules', FIXTURE_KVER);
    const vmlinuz = readFileSync(join(dir, 'vmlinuz'));
    const initramfs = readFileSync(join(dir, 'initramfs.img'));
    const csum = createHash('sha256').update(vmlinuz).update(initramfs).digest('hex');
    expect(result.kernel).toEqual({ kernelVersion: FIXTURE_KVER, bootChecksum: csum, initramfs: 'packaged' });
    expect(readdirSync(join(root, 'usr/lib/ostree-boot')).sort()).toEqual([`initramfs-${FIXTURE_KVER}.img-${csum}`, `vmlinuz-${FIXTURE_KVER}-${csum}`]);
    expect(statSync(join(root, 'usr/lib/ostree-boot', `vmlinuz-${FIXTURE_KVER}-${csum}`)).ino).toBe(statSync(join(dir, 'vmlinuz')).ino);
  });

  it('applies units, default-target, remove-files, remove-from-packages, add-files, postprocess and mutate-os-release', () => {
    expect(readlinkSync(join(root, 'usr/etc/systemd/system/multi-user.target.wants/chronyd.service'))).toBe('/usr/lib/systemd/system/chronyd.service');
    expect(readlinkSync(join(root, 'usr/lib/systemd/system/default.target'))).toBe('/usr/lib/systemd/system/multi-user.target');
    expect(readlinkSync(join(root, 'usr/lib/systemd/system/multi-user.target.wants/ostree-remount.service'))).toBe('../ostree-remount.service');
    expect(existsSync(join(root, 'usr/share/man'))).toBe(false);
    expect(existsSync(join(root, 'usr/etc/pam.d/other'))).toBe(false);
    expect(existsSync(join(root, 'usr/share/zoneinfo/CET'))).toBe(false);
    expect(existsSync(join(root, 'usr/share/zoneinfo/Europe/Paris'))).toBe(true);
    expect(readFileSync(join(root, 'usr/etc/motd'), 'utf8')).toBe('Welcome to Fixture OS\n');
    expect(statSync(join(root, 'usr/share/fx/motd')).mode & 0o7777).toBe(0o640);
    expect(readFileSync(join(root, 'usr/share/fx-inline'), 'utf8')).toBe('inline-ran\n');
    expect(existsSync(join(root, 'usr/bin/rpmostree-postprocess-inline-0'))).toBe(false);
    const osr = readFileSync(join(root, 'usr/lib/os-release'), 'utf8');
    expect(osr).toContain('VERSION="1.5 (Compose)"\n');
    expect(osr).toContain('PRETTY_NAME="Fixture OS 1.5 (Compose)"\n');
    expect(osr.endsWith('OSTREE_VERSION=1.5\n')).toBe(true);
  });

  it('keeps the rpmdb in usr/share/rpm where the real rpm finds it, with rpm-ostree\'s links and macro', () => {
    expect(readlinkSync(join(root, 'usr/lib/sysimage/rpm'))).toBe('../../share/rpm');
    expect(readFileSync(join(root, 'usr/lib/rpm/macros.d/macros.rpm-ostree'), 'utf8')).toBe('%_dbpath /usr/share/rpm\n');
    expect(existsSync(join(root, 'usr/lib/sysimage/rpm-ostree-base-db/rpmdb.sqlite'))).toBe(true);
    const listed = execFileSync('rpm', ['--root', root, '--dbpath', '/usr/share/rpm', '-qa', '--qf', '%{NEVRA}\n'], { encoding: 'utf8' });
    const expected = installed.packages.map((p) => p.nevra);
    expect(listed.trim().split('\n').sort()).toEqual(expected.sort());
    // the users made by %pre resolve through usr/lib/passwd for rpm too
    const owner = execFileSync('rpm', ['--root', root, '--dbpath', '/usr/share/rpm', '-q', '--qf', '[%{FILENAMES} %{FILEUSERNAME}\n]', 'chrony'], { encoding: 'utf8' });
    expect(owner).toContain('/var/lib/chrony chrony');
  });

  it('rpm -V finds no differences other than /etc and /var content moved by post-processing', () => {
    let out = '';
    try {
      out = execFileSync('rpm', ['--root', root, '--dbpath', '/usr/share/rpm', '-Va', '--nomtime'], { encoding: 'utf8' });
    } catch (err) {
      out = (err as { stdout: string }).stdout;
    }
    // rpm -V did run: /etc moved to /usr/etc shows as missing (on a deployed system /etc is back)
    expect(out).toMatch(/^missing +c \/etc\/chrony\.conf$/m);
    const unexpected = out
      .trim()
      .split('\n')
      .filter(Boolean)
      .filter((l) => !/ \/(etc|var)(\/|$)/.test(l))
      .filter((l) => !/ \/(usr\/share\/man|usr\/share\/zoneinfo\/CET|usr\/lib\/modules\/.*\/initramfs\.img|dev|proc|run|sys|boot|usr\/local)$/.test(l))
      .filter((l) => !/ \/usr\/share\/man\//.test(l))
      .filter((l) => !/ \/usr\/lib\/os-release$/.test(l)); // mutate-os-release
    expect(unexpected).toEqual([]);
    // setuid and capabilities survived extraction and post-processing
    expect(lstatSync(join(root, 'usr/bin/sudo')).mode & 0o7777).toBe(0o4111);
    expect(execFileSync('getcap', [join(root, 'usr/bin/ping')], { encoding: 'utf8' })).toContain('cap_net_raw=ep');
  });
});

function smallTree(name: string, extra: (root: string) => void = () => undefined): string {
  const root = join(scratch, name);
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'var/lib/app'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:500:500::/:/sbin/nologin\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\napp:x:500:\n');
  extra(root);
  return root;
}

function outsideMarker(): string {
  const dir = mkdtempSync(join(scratch, 'outside-'));
  return dir;
}

describe('postprocessRoot on small and hostile trees', () => {
  it('works on a minimal kernel-less tree (container-style) and is a no-op on passwd ids', async () => {
    const root = smallTree('minimal');
    const r = await postprocessRoot(root, { container: true, 'tmp-is-dir': true });
    expect(r.kernel).toBeUndefined();
    expect(lstatSync(join(root, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(readFileSync(join(root, 'usr/lib/passwd'), 'utf8')).toBe('app:x:500:500::/:/sbin/nologin\n');
    expect(readFileSync(join(root, 'usr/lib/tmpfiles.d/rpm-ostree-autovar.conf'), 'utf8')).toBe('L /var/lib/rpm - - - - ../../usr/share/rpm\nd /var/lib 0755 root root - -\nd /var/lib/app 0755 root root - -\n');
  });

  it('turns overlay whiteouts into .ostree-wh. files, drops other device nodes, FIFOs and sockets, records the treefile', async () => {
    const root = smallTree('special', (r) => {
      mkdirSync(join(r, 'usr/share/ovl'), { recursive: true });
      execFileSync('mknod', ['-m', '0600', join(r, 'usr/share/ovl/gone'), 'c', '0', '0']);
      mkdirSync(join(r, 'usr/lib'));
      execFileSync('mknod', ['-m', '0666', join(r, 'usr/lib/null'), 'c', '1', '3']);
      execFileSync('mkfifo', [join(r, 'usr/lib/fifo')]);
      execFileSync('/usr/bin/python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', join(r, 'usr/lib/sock')]);
    });
    const r = await postprocessRoot(root, { container: true, units: [] });
    expect(r.droppedSpecialFiles).toEqual(['/usr/lib/fifo', '/usr/lib/null', '/usr/lib/sock']);
    expect(readdirSync(join(root, 'usr/share/ovl'))).toEqual(['.ostree-wh.gone']);
    expect(lstatSync(join(root, 'usr/share/ovl/.ostree-wh.gone')).mode & 0o7777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(root, 'usr/share/rpm-ostree/treefile.json'), 'utf8'))).toEqual({ container: true, units: [] });
  });

  it('opt-usrlocal: root keeps /opt and /usr/local as directories of the commit; state-overlay is refused', async () => {
    const root = smallTree('opt-root', (r) => {
      mkdirSync(join(r, 'opt/vendor'), { recursive: true });
      writeFileSync(join(r, 'opt/vendor/tool'), 'x');
      mkdirSync(join(r, 'usr/local/bin'), { recursive: true });
    });
    await postprocessRoot(root, { container: true, 'opt-usrlocal': 'root' });
    expect(readFileSync(join(root, 'opt/vendor/tool'), 'utf8')).toBe('x');
    expect(lstatSync(join(root, 'usr/local/bin')).isDirectory()).toBe(true);
    expect(existsSync(join(root, 'usr/lib/tmpfiles.d/rpm-ostree-0-integration-opt-usrlocal.conf'))).toBe(false);
    const dflt = smallTree('opt-var', (r) => mkdirSync(join(r, 'opt/vendor'), { recursive: true }));
    await postprocessRoot(dflt, { container: true });
    expect(readlinkSync(join(dflt, 'opt'))).toBe('var/opt');
    await expect(postprocessRoot(smallTree('opt-so'), { container: true, 'opt-usrlocal': 'state-overlay' })).rejects.toThrow(UnsupportedError);
  });

  it('refuses a symlinked /etc', async () => {
    const out = outsideMarker();
    const root = smallTree('symlinked-etc', (r) => {
      rmSync(join(r, 'etc'), { recursive: true });
      symlinkSync(out, join(r, 'etc'));
    });
    await expect(postprocessRoot(root, {})).rejects.toThrow(InvalidArgumentError);
    expect(readdirSync(out)).toEqual([]);
  });

  it('refuses .. and absolute paths in remove-files, and .. in add-files destinations', async () => {
    await expect(postprocessRoot(smallTree('rm-dotdot'), { 'remove-files': ['usr/../../x'] })).rejects.toThrow("Invalid '..' in path: usr/../../x");
    await expect(postprocessRoot(smallTree('rm-abs'), { 'remove-files': ['/usr/bin'] })).rejects.toThrow('Invalid absolute path: /usr/bin');
    const src = join(scratch, 'payload');
    writeFileSync(src, 'x');
    await expect(
      postprocessRoot(smallTree('add-dotdot'), { 'add-files': [['p', '/usr/../../../tmp/evil']] }, { externals: { addFiles: { p: src } } }),
    ).rejects.toThrow(InvalidArgumentError);
    expect(existsSync('/tmp/evil')).toBe(false);
  });

  it('refuses to write through an absolute or escaping symlink (add-files, remove-files, units)', async () => {
    const out = outsideMarker();
    const src = join(scratch, 'payload2');
    writeFileSync(src, 'x');
    const abs = smallTree('abs-link', (r) => symlinkSync(out, join(r, 'usr/share')));
    await expect(postprocessRoot(abs, { 'add-files': [['p', '/usr/share/evil']] }, { externals: { addFiles: { p: src } } })).rejects.toThrow(
      /points outside the tree/,
    );
    const rel = smallTree('rel-link', (r) => symlinkSync('../../..' + out, join(r, 'usr/share')));
    await expect(postprocessRoot(rel, { 'remove-files': ['usr/share/x'] })).rejects.toThrow(/points outside the tree/);
    const units = smallTree('units-link', (r) => {
      mkdirSync(join(r, 'etc/systemd'), { recursive: true });
      symlinkSync(out, join(r, 'etc/systemd/system'));
    });
    await expect(postprocessRoot(units, { units: ['x.service'] })).rejects.toThrow(/points outside the tree/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('follows relative in-tree symlinks and replaces (never follows) a final symlink', async () => {
    const out = outsideMarker();
    writeFileSync(join(out, 'victim'), 'original');
    const src = join(scratch, 'payload3');
    writeFileSync(src, 'new content');
    const root = smallTree('final-link', (r) => {
      mkdirSync(join(r, 'usr/lib/real'), { recursive: true });
      symlinkSync('lib/real', join(r, 'usr/alias'));
      symlinkSync(join(out, 'victim'), join(r, 'usr/lib/real/target'));
    });
    await postprocessRoot(root, { 'add-files': [['p', '/usr/alias/target']], container: true }, { externals: { addFiles: { p: src } } });
    expect(readFileSync(join(root, 'usr/lib/real/target'), 'utf8')).toBe('new content');
    expect(lstatSync(join(root, 'usr/lib/real/target')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(out, 'victim'), 'utf8')).toBe('original');
  });

  it('fails on a /var entry owned by an unknown uid, a failing postprocess script, and both etc and usr/etc', async () => {
    const unknown = smallTree('unknown-owner', (r) => execFileSync('chown', ['4242:4242', join(r, 'var/lib/app')]));
    await expect(postprocessRoot(unknown, { container: true })).rejects.toThrow("failed to find user ID '4242'");
    const failing = smallTree('failing-script', (r) => {
      // a shell for the script: the host's, bound read-only by bwrap through usr
      mkdirSync(join(r, 'usr/lib64'), { recursive: true });
    });
    await expect(postprocessRoot(failing, { postprocess: ['#!/nonexistent/sh\n'] })).rejects.toThrow(IoError);
    const both = smallTree('both-etc', (r) => mkdirSync(join(r, 'usr/etc')));
    await expect(postprocessRoot(both, {})).rejects.toThrow(ConflictError);
  });

  it('check-passwd: refuses a changed uid against the previous commit, accepts data entries', async () => {
    await expect(postprocessRoot(smallTree('uid-changed'), { container: true }, { previous: { passwd: 'app:x:501:500::/:/sbin/nologin\n', group: '' } })).rejects.toThrow(
      'passwd UID changed: app (501 to 500)',
    );
    const r = await postprocessRoot(smallTree('uid-data'), { container: true, 'check-passwd': { type: 'data', entries: { app: [500, 500] } }, 'check-groups': { type: 'none' } });
    expect(r.passwdCheck).toEqual({ newUsers: [], newGroups: [], removedUsers: [], removedGroups: [] });
  });
});
