// Builds the RPM fixtures with the real rpmbuild, from the spec files in test/specs/, at test time.
// Results are cached under libs/rpmdb/.cache/rpm-fixtures/<key>/ (git-ignored), where the key hashes
// the spec text, the build options and the rpmbuild version, so an edited spec rebuilds by itself.
// Reusable by other packages' tests: `buildRpm(specFile, options)` builds any spec the same way.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const SPECS_DIR = join(import.meta.dirname, 'specs');
export const CACHE_DIR = join(import.meta.dirname, '..', '.cache', 'rpm-fixtures');

export interface BuildRpmOptions {
  /** `--target` (e.g. `x86_64`); noarch specs ignore it. */
  target?: string;
  /** Extra macro definitions (`{ _binary_payload: 'w6.xzdio' }`). */
  defines?: Record<string, string>;
  /** Cache directory (default libs/rpmdb/.cache/rpm-fixtures). */
  cacheDir?: string;
}

let rpmbuildVersion: string | undefined;

/**
 * Builds the binary RPM(s) of a spec file with rpmbuild and returns their paths (sorted). Throws
 * when rpmbuild is missing or fails: tests must not silently skip.
 */
export function buildRpm(specFile: string, options: BuildRpmOptions = {}): string[] {
  rpmbuildVersion ??= execFileSync('rpmbuild', ['--version'], { encoding: 'utf8' }).trim();
  const spec = readFileSync(specFile, 'utf8');
  const key = createHash('sha256')
    .update(JSON.stringify([spec, options.target ?? '', options.defines ?? {}, rpmbuildVersion]))
    .digest('hex')
    .slice(0, 24);
  const cacheDir = options.cacheDir ?? CACHE_DIR;
  const outDir = join(cacheDir, key);
  if (!existsSync(outDir)) {
    mkdirSync(cacheDir, { recursive: true });
    const top = mkdtempSync(join(cacheDir, 'tmp-'));
    try {
      const args = ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', '_build_id_links none'];
      args.push('--define', 'source_date_epoch_from_changelog 0', '--define', '_buildhost fixtures.invalid');
      if (options.target) args.push('--target', options.target);
      for (const [k, v] of Object.entries(options.defines ?? {})) args.push('--define', `${k} ${v}`);
      args.push(specFile);
      execFileSync('rpmbuild', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C.UTF-8' } });
      const rpms = join(top, 'RPMS');
      const result = join(top, 'out');
      mkdirSync(result);
      for (const arch of readdirSync(rpms)) {
        for (const f of readdirSync(join(rpms, arch))) renameSync(join(rpms, arch, f), join(result, f));
      }
      try {
        renameSync(result, outDir);
      } catch (err) {
        // Another worker built the same fixture first: theirs is as good as ours.
        if (!existsSync(outDir)) throw err;
      }
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  }
  return readdirSync(outDir)
    .sort()
    .map((f) => join(outDir, f));
}

export interface RpmFixture {
  name: string;
  spec: string;
  options: BuildRpmOptions;
}

/** The fixture set: every feature package, once per payload compressor and architecture kind. */
export const RPM_FIXTURES: RpmFixture[] = [
  { name: 'full-x86_64', spec: 'full.spec', options: { target: 'x86_64' } },
  { name: 'minimal-noarch', spec: 'minimal.spec', options: {} },
  { name: 'payload-gzip', spec: 'payload.spec', options: { defines: { _binary_payload: 'w9.gzdio' } } },
  { name: 'payload-xz', spec: 'payload.spec', options: { defines: { _binary_payload: 'w6.xzdio' } } },
  { name: 'payload-zstd', spec: 'payload.spec', options: { defines: { _binary_payload: 'w19.zstdio' } } },
  { name: 'payload-bzip2', spec: 'payload.spec', options: { defines: { _binary_payload: 'w9.bzdio' } } },
  { name: 'payload-none', spec: 'payload.spec', options: { defines: { _binary_payload: 'w0.ufdio' } } },
];

/** Builds (or reuses) one named fixture and returns the path of its single binary RPM. */
export function rpmFixture(name: string): string {
  const f = RPM_FIXTURES.find((x) => x.name === name);
  if (!f) throw new Error(`no RPM fixture named ${name}`);
  const paths = buildRpm(join(SPECS_DIR, f.spec), f.options);
  if (paths.length !== 1) throw new Error(`fixture ${name} built ${paths.length} packages`);
  return paths[0]!;
}

/** Builds every fixture; returns name → path. */
export function allRpmFixtures(): Map<string, string> {
  return new Map(RPM_FIXTURES.map((f) => [f.name, rpmFixture(f.name)]));
}
