// Fixture rpm-md repositories made by the real tools: rpmbuild builds tiny RPMs from generated spec files,
// createrepo_c turns them into rpm-md, rpm installs the "installed" set into an installroot (database only).
// Everything is cached under <repo>/.cache/solver-dnf-fixtures/<hash of the definitions>/.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FixturePackage {
  name: string;
  version: string;
  release?: string;
  /** Default noarch; 'host' builds for the machine's arch (x86_64). */
  arch?: 'noarch' | 'host';
  requires?: string[];
  provides?: string[];
  conflicts?: string[];
  obsoletes?: string[];
  recommends?: string[];
  /** Extra files the package owns (absolute paths). */
  files?: string[];
}

export interface FixtureSet {
  installed: FixturePackage[];
  available: FixturePackage[];
  updates: FixturePackage[];
}

export interface FixtureRepos {
  dir: string;
  /** Folders holding RPMs + repodata/ */
  installed: string;
  available: string;
  updates: string;
  /** An installroot whose rpmdb holds the installed set. */
  root: string;
}

function spec(p: FixturePackage): string {
  const lines = [
    '%global debug_package %{nil}',
    '%global _build_id_links none',
    `Name: ${p.name}`,
    `Version: ${p.version}`,
    `Release: ${p.release ?? '1'}`,
    'Summary: solver fixture',
    'License: MIT',
  ];
  if ((p.arch ?? 'noarch') === 'noarch') lines.push('BuildArch: noarch');
  for (const [tag, list] of [
    ['Requires', p.requires],
    ['Provides', p.provides],
    ['Conflicts', p.conflicts],
    ['Obsoletes', p.obsoletes],
    ['Recommends', p.recommends],
  ] as const) {
    for (const dep of list ?? []) lines.push(`${tag}: ${dep}`);
  }
  const own = `/usr/share/solver-fixture/${p.name}-${p.version}`;
  const files = [own, ...(p.files ?? [])];
  lines.push('', '%description', 'A package made for the solver tests.', '', '%install');
  for (const f of files) lines.push(`mkdir -p %{buildroot}$(dirname ${f}) && echo ${p.name} > %{buildroot}${f}`);
  lines.push('', '%files', ...files, '');
  return lines.join('\n');
}

async function buildRpms(packages: FixturePackage[], work: string, out: string): Promise<void> {
  mkdirSync(out, { recursive: true });
  const queue = [...packages];
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const top = join(work, `${p.name}-${p.version}`);
      mkdirSync(top, { recursive: true });
      const specFile = join(top, `${p.name}.spec`);
      writeFileSync(specFile, spec(p));
      await run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', `_rpmdir ${out}`, specFile]);
    }
  };
  await Promise.all([worker(), worker()]);
}

/** Builds (or reuses from the cache) the three repos and the installroot for `set`. */
export async function fixtureRepos(cacheRoot: string, set: FixtureSet): Promise<FixtureRepos> {
  const hash = createHash('sha256').update(JSON.stringify(set)).update(spec.toString()).digest('hex').slice(0, 16);
  const dir = join(cacheRoot, 'solver-dnf-fixtures', hash);
  const result: FixtureRepos = {
    dir,
    installed: join(dir, 'installed'),
    available: join(dir, 'available'),
    updates: join(dir, 'updates'),
    root: join(dir, 'root'),
  };
  if (existsSync(join(dir, '.complete'))) return result;
  rmSync(dir, { recursive: true, force: true });
  for (const name of ['installed', 'available', 'updates'] as const) {
    await buildRpms(set[name], join(dir, 'build', name), result[name]);
    await run('createrepo_c', ['--quiet', '--no-database', '--simple-md-filenames', '--general-compress-type=gz', result[name]]);
  }
  mkdirSync(result.root, { recursive: true });
  await run('rpm', ['--root', result.root, '--initdb']);
  const rpms = (readdirSync(result.installed, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.rpm'))
    .map((f) => join(result.installed, f));
  await run('rpm', ['--root', result.root, '-i', '--justdb', '--nodeps', '--noscripts', '--notriggers', '--ignorearch', ...rpms]);
  rmSync(join(dir, 'build'), { recursive: true, force: true });
  writeFileSync(join(dir, '.complete'), '');
  return result;
}
