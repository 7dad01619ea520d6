// A small rpm-md repository built at test time by the real rpmbuild + createrepo_c, cached under
// libs/compose/.cache/mini-repo/<hash of the specs + rpmbuild version>/ (git-ignored). It exercises what the
// compose pipeline must get right: dependencies and weak dependencies, an arch package, a kernel,
// %config files, /var content, %doc and %lang files, setuid and file capabilities, a non-root owner, a
// usrmerge symlink (/bin → usr/bin) that later packages install through, and an unsatisfiable package.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MINI_CACHE = join(import.meta.dirname, '..', '.cache', 'mini-repo');

interface MiniSpec {
  name: string;
  version: string;
  release?: string;
  arch?: 'noarch' | 'x86_64';
  header?: string[];
  install: string[];
  files: string[];
  description?: string;
}

const common = (s: MiniSpec): string =>
  [
    '%global debug_package %{nil}',
    '%global _build_id_links none',
    '%global __os_install_post %{nil}',
    `Name: ${s.name}`,
    `Version: ${s.version}`,
    `Release: ${s.release ?? '1'}`,
    `Summary: compose fixture ${s.name}`,
    'License: MIT',
    ...(s.arch === 'x86_64' ? [] : ['BuildArch: noarch']),
    ...(s.header ?? []),
    '',
    '%description',
    s.description ?? `The ${s.name} compose fixture.`,
    '',
    '%install',
    ...s.install,
    '',
    '%files',
    ...s.files,
    '',
  ].join('\n');

export function miniSpecs(appVersion = '1.0', svcUid = 987): MiniSpec[] {
  return [
    {
      name: 'mini-filesystem',
      version: svcUid === 987 ? '1.0' : '1.1',
      install: [
        'for d in etc usr/bin usr/lib usr/lib64 usr/share/doc var/lib var/log; do mkdir -p %{buildroot}/$d; done',
        'ln -s usr/bin %{buildroot}/bin',
        `printf 'root:x:0:0:root:/root:/bin/sh\\nminisvc:x:${svcUid}:${svcUid}::/var/lib/mini:/sbin/nologin\\n' > %{buildroot}/etc/passwd`,
        `printf 'root:x:0:\\nminisvc:x:${svcUid}:\\n' > %{buildroot}/etc/group`,
        "printf 'NAME=Mini\\nID=mini\\n' > %{buildroot}/etc/os-release",
      ],
      files: [
        '%dir /etc',
        '%dir /usr',
        '%dir /usr/bin',
        '%dir /usr/lib',
        '%dir /usr/lib64',
        '%dir /usr/share',
        '%dir /usr/share/doc',
        '%dir /var',
        '%dir /var/lib',
        '%dir /var/log',
        '/bin',
        '%config(noreplace) /etc/passwd',
        '%config(noreplace) /etc/group',
        '%config /etc/os-release',
      ],
    },
    {
      name: 'mini-lib',
      version: '2.3',
      arch: 'x86_64',
      header: ['Requires: mini-filesystem', 'Provides: libmini = 2.3'],
      install: ['mkdir -p %{buildroot}/usr/lib64', 'echo libmini > %{buildroot}/usr/lib64/libmini.so.2'],
      files: ['/usr/lib64/libmini.so.2'],
    },
    {
      name: 'mini-app',
      version: appVersion,
      header: ['Requires: libmini >= 2', 'Requires: mini-filesystem', 'Recommends: mini-extra'],
      install: [
        'mkdir -p %{buildroot}/usr/bin %{buildroot}/etc %{buildroot}/var/lib/mini %{buildroot}/usr/share/doc/mini-app',
        'mkdir -p %{buildroot}/usr/share/locale/fr/LC_MESSAGES %{buildroot}/usr/share/locale/de/LC_MESSAGES',
        `printf '#!/bin/sh\\necho mini-app ${appVersion}\\n' > %{buildroot}/usr/bin/mini-app`,
        "printf '#!/bin/sh\\necho ping\\n' > %{buildroot}/usr/bin/mini-ping",
        "echo 'setting = 1' > %{buildroot}/etc/mini.conf",
        'echo state > %{buildroot}/var/lib/mini/state',
        'mkdir -p %{buildroot}/usr/lib/mini && echo owned > %{buildroot}/usr/lib/mini/owned',
        'echo readme > %{buildroot}/usr/share/doc/mini-app/README',
        'echo fr > %{buildroot}/usr/share/locale/fr/LC_MESSAGES/mini.mo',
        'echo de > %{buildroot}/usr/share/locale/de/LC_MESSAGES/mini.mo',
        'mkdir -p %{buildroot}/usr/bin && echo legacy > %{buildroot}/usr/bin/mini-legacy',
      ],
      files: [
        '%attr(4755,root,root) /usr/bin/mini-app',
        '%caps(cap_net_raw=ep) %attr(0755,root,root) /usr/bin/mini-ping',
        '/usr/bin/mini-legacy',
        '%config(noreplace) /etc/mini.conf',
        '%dir /var/lib/mini',
        '/var/lib/mini/state',
        '%dir /usr/lib/mini',
        '%attr(0640,minisvc,minisvc) /usr/lib/mini/owned',
        '%doc /usr/share/doc/mini-app/README',
        '%lang(fr) /usr/share/locale/fr/LC_MESSAGES/mini.mo',
        '%lang(de) /usr/share/locale/de/LC_MESSAGES/mini.mo',
      ],
    },
    {
      name: 'mini-extra',
      version: '0.9',
      install: ['mkdir -p %{buildroot}/usr/share/mini-extra', 'echo extra > %{buildroot}/usr/share/mini-extra/data'],
      files: ['/usr/share/mini-extra/data'],
    },
    {
      name: 'kernel',
      version: '6.1.0',
      release: '1',
      arch: 'x86_64',
      header: ['Requires: mini-filesystem'],
      install: [
        'mkdir -p %{buildroot}/usr/lib/modules/6.1.0-1.x86_64',
        'echo vmlinuz > %{buildroot}/usr/lib/modules/6.1.0-1.x86_64/vmlinuz',
        'echo initramfs > %{buildroot}/usr/lib/modules/6.1.0-1.x86_64/initramfs.img',
      ],
      files: ['/usr/lib/modules/6.1.0-1.x86_64'],
    },
    {
      name: 'mini-broken',
      version: '1.0',
      header: ['Requires: does-not-exist >= 3'],
      install: ['mkdir -p %{buildroot}/usr/share/mini-broken', 'echo x > %{buildroot}/usr/share/mini-broken/x'],
      files: ['/usr/share/mini-broken/x'],
    },
  ];
}

let rpmbuildVersion: string | undefined;

/** Builds the specs into `<cache>/<key>/` with createrepo_c metadata; returns that directory. */
export function buildMiniRepo(specs: MiniSpec[] = miniSpecs(), name = 'base'): string {
  rpmbuildVersion ??= execFileSync('rpmbuild', ['--version'], { encoding: 'utf8' }).trim();
  const texts = specs.map(common);
  const key = createHash('sha256').update(JSON.stringify([texts, rpmbuildVersion, name])).digest('hex').slice(0, 20);
  const out = join(MINI_CACHE, `${name}-${key}`);
  if (existsSync(join(out, 'repodata', 'repomd.xml'))) return out;
  mkdirSync(MINI_CACHE, { recursive: true });
  const work = mkdtempSync(join(MINI_CACHE, 'tmp-'));
  try {
    const repo = join(work, 'repo');
    mkdirSync(repo);
    texts.forEach((text, i) => {
      const top = join(work, `top-${i}`);
      mkdirSync(top);
      const file = join(top, `${specs[i]!.name}.spec`);
      writeFileSync(file, text);
      const args = ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', `_rpmdir ${repo}`, '--define', '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm'];
      args.push('--define', 'source_date_epoch_from_changelog 0', '--define', '_buildhost fixtures.invalid');
      if (specs[i]!.arch === 'x86_64') args.push('--target', 'x86_64');
      args.push(file);
      execFileSync('rpmbuild', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C.UTF-8' } });
    });
    execFileSync('createrepo_c', ['--quiet', '--no-database', repo], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      renameSync(repo, out);
    } catch (err) {
      if (!existsSync(out)) throw err;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}

/** A writable copy of a repository (for tests that damage packages), metadata regenerated when asked. */
export function copyRepo(src: string, dest: string): string {
  cpSync(src, dest, { recursive: true });
  return dest;
}

export function createrepo(dir: string): void {
  execFileSync('createrepo_c', ['--quiet', '--no-database', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export function rpmFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.rpm')).sort();
}
