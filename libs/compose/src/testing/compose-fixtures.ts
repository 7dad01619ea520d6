// The compose fixture repository: RPMs built at test time by the real rpmbuild from the spec files in
// test/fixtures/specs/, gathered into rpm-md repositories by the real createrepo_c. Cached under
// libs/compose/.cache/compose-fixtures/ (git-ignored); the cache key hashes the spec texts, the build
// defines, the rpmbuild/createrepo_c versions and the host binaries copied into the fixture glibc/dash,
// so any change rebuilds by itself. Safe to call from parallel test workers (build in a temp dir, rename).
//
// Two repositories:
//   v1: the mini distribution (base.spec), kernel, openssl, openssh and chrony 4.5
//   v2: the same with chrony 4.6 instead (the one-package upgrade)
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The package root (this file is src/testing/ in the sources, dist/testing/ when built). */
const PACKAGE_ROOT = join(import.meta.dirname, '..', '..');
export const FIXTURE_SPECS_DIR = join(PACKAGE_ROOT, 'test', 'fixtures', 'specs');
export const FIXTURE_CACHE_DIR = join(PACKAGE_ROOT, '.cache', 'compose-fixtures');

/** The kernel version the fixture kernel installs under /usr/lib/modules/. */
export const FIXTURE_KVER = '6.1.55-200.fx.x86_64';

/** The package set a fixture treefile asks for (the solver pulls in the rest). */
export const FIXTURE_TREEFILE_PACKAGES = [
  'kernel', 'systemd', 'chrony', 'openssh-server', 'openssh-clients', 'sudo', 'iputils', 'logrotate', 'curl',
  'openssl', 'tar', 'findutils', 'gawk', 'grep', 'sed', 'vim-minimal', 'tzdata', 'fx-release', 'less',
];

/** Packages in the repository that must NOT be in a default compose (they fail on purpose). */
export const FIXTURE_HOSTILE_PACKAGES = ['lua-scripted', 'broken-post'];

export type FixtureVariant = 'v1' | 'v2';

export interface ComposeFixtureRepo {
  /** A createrepo_c'd directory (`repodata/` + the .rpm files). */
  repoDir: string;
  /** Absolute paths of every RPM in the repository, sorted. */
  rpms: string[];
  /** NEVRA-ish file names without `.rpm` (e.g. `chrony-4.5-1.fx.x86_64`), sorted. */
  packages: string[];
}

interface SpecBuild {
  spec: string;
  defines: Record<string, string>;
}

function hostBinaries(): Record<string, string> {
  // The fixture "glibc" and "dash" are the build host's own binaries, so scriptlets have a real /bin/sh.
  return {
    fx_sh: realpathSync('/usr/bin/dash'),
    fx_libc: realpathSync('/lib/x86_64-linux-gnu/libc.so.6'),
    fx_ld: realpathSync('/lib64/ld-linux-x86-64.so.2'),
  };
}

function buildsFor(variant: FixtureVariant): SpecBuild[] {
  return [
    { spec: 'base.spec', defines: hostBinaries() },
    { spec: 'kernel.spec', defines: {} },
    { spec: 'openssl.spec', defines: {} },
    { spec: 'openssh.spec', defines: {} },
    { spec: 'chrony.spec', defines: { fxver: variant === 'v1' ? '4.5' : '4.6' } },
  ];
}

let toolVersions: Promise<string> | undefined;
function tools(): Promise<string> {
  toolVersions ??= Promise.all([run('rpmbuild', ['--version']), run('createrepo_c', ['--version'])]).then((r) =>
    r.map((x) => x.stdout.trim()).join('\n'),
  );
  return toolVersions;
}

function hashFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

async function buildKey(build: SpecBuild): Promise<string> {
  const h = createHash('sha256');
  h.update(readFileSync(join(FIXTURE_SPECS_DIR, build.spec)));
  h.update(JSON.stringify(build.defines));
  for (const v of Object.values(build.defines)) if (v.startsWith('/')) h.update(hashFile(v));
  h.update(await tools());
  return h.digest('hex').slice(0, 20);
}

/** Builds one spec (or reuses the cache) and returns the paths of its binary RPMs. */
async function buildSpec(build: SpecBuild, cacheDir: string): Promise<string[]> {
  const outDir = join(cacheDir, 'rpms', `${build.spec.replace(/\.spec$/, '')}-${await buildKey(build)}`);
  if (!existsSync(outDir)) {
    mkdirSync(join(cacheDir, 'rpms'), { recursive: true });
    const top = mkdtempSync(join(cacheDir, 'tmp-'));
    try {
      const args = ['-bb', '--quiet', '--target', 'x86_64', '--define', `_topdir ${top}`];
      args.push('--define', '_build_id_links none', '--define', 'source_date_epoch_from_changelog 0');
      args.push('--define', '_buildhost fixtures.invalid', '--define', 'use_source_date_epoch_as_buildtime 1');
      for (const [k, v] of Object.entries(build.defines)) args.push('--define', `${k} ${v}`);
      args.push(join(FIXTURE_SPECS_DIR, build.spec));
      await run('rpmbuild', args, { env: { ...process.env, LC_ALL: 'C.UTF-8', SOURCE_DATE_EPOCH: '1700000000' } });
      const result = join(top, 'out');
      mkdirSync(result);
      const rpms = join(top, 'RPMS');
      for (const arch of readdirSync(rpms)) {
        for (const f of readdirSync(join(rpms, arch))) renameSync(join(rpms, arch, f), join(result, f));
      }
      try {
        renameSync(result, outDir);
      } catch (err) {
        if (!existsSync(outDir)) throw err; // another worker won the race: its build is as good
      }
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  }
  return readdirSync(outDir)
    .sort()
    .map((f) => join(outDir, f));
}

/**
 * Builds (or reuses) the fixture repository of a variant. Throws when rpmbuild or createrepo_c is missing
 * or fails: tests must fail loudly, never skip.
 */
export async function buildComposeFixtureRepo(
  options: { variant?: FixtureVariant; cacheDir?: string } = {},
): Promise<ComposeFixtureRepo> {
  const variant = options.variant ?? 'v1';
  const cacheDir = options.cacheDir ?? FIXTURE_CACHE_DIR;
  mkdirSync(cacheDir, { recursive: true });
  const builds = buildsFor(variant);
  const keys = await Promise.all(builds.map((b) => buildKey(b)));
  const repoDir = join(cacheDir, `repo-${variant}-${createHash('sha256').update(keys.join()).digest('hex').slice(0, 16)}`);
  if (!existsSync(join(repoDir, 'repodata', 'repomd.xml'))) {
    const built = (await Promise.all(builds.map((b) => buildSpec(b, cacheDir)))).flat();
    const tmp = mkdtempSync(join(cacheDir, 'tmp-repo-'));
    try {
      await Promise.all(built.map((p) => copyFile(p, join(tmp, p.slice(p.lastIndexOf('/') + 1)))));
      await run('createrepo_c', ['--quiet', '--no-database', '--simple-md-filenames', '--revision', '1', tmp]);
      try {
        renameSync(tmp, repoDir);
      } catch (err) {
        if (!existsSync(repoDir)) throw err;
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const files = readdirSync(repoDir)
    .filter((f) => f.endsWith('.rpm'))
    .sort();
  return {
    repoDir,
    rpms: files.map((f) => join(repoDir, f)),
    packages: files.map((f) => f.slice(0, -4)),
  };
}
