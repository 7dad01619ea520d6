/**
 * Resolving a treefile's package set with @tsostree/solver (libsolv): every `packages` entry is an
 * install job, `exclude-packages` (and each repo's `excludepkgs`) exclude, `recommends` toggles weak
 * dependencies, the arch policy is the treefile's `basearch`; `repo-packages` pins packages to one repo (the
 * same names are hidden from every other repo, like rpm-ostree). The result is the solver's install order,
 * each package tied back to its primary.xml record (location, checksum, size).
 */
import { ConflictError, NotFoundError, withContext } from '@tsostree/errors';
import type { RpmMdDependency, RpmMdPackage } from '@tsostree/rpmdb';
import { defaultSolverBackend, type PackageInput, type ProblemExplanation, type RepoMetadata, type SolverBackend } from '@tsostree/solver';
import type { Treefile } from './format/treefile-types.js';
import type { LoadedRepo } from './repo-load.js';

export interface ResolvedPackage {
  /** `name-[epoch:]version-release.arch` (the solver's spelling). */
  nevra: string;
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  repo: LoadedRepo;
  record: RpmMdPackage;
}

export interface ResolveOptions {
  signal?: AbortSignal;
  /** Default: the libsolv (WebAssembly) backend. */
  backend?: SolverBackend;
}

function evrOf(p: { epoch: number; version: string; release: string }): string {
  return `${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}`;
}

/** Formats the solver's problems the way the CLI prints them. */
export function formatProblems(problems: readonly ProblemExplanation[]): string {
  const lines: string[] = [];
  problems.forEach((p, i) => {
    lines.push(` Problem ${i + 1}: ${p.message}`);
    for (const rule of p.rules) if (rule !== p.message) lines.push(`  - ${rule}`);
    for (const s of p.solutions) lines.push(`  Solution: ${s.join('; ')}`);
  });
  return lines.join('\n');
}

const FLAG_OPS: Record<string, string> = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=' };

/** An rpm-md dependency in rpm syntax (`foo >= 1:2.0-3`; rich dependencies are kept as written). */
export function formatRpmMdDependency(d: RpmMdDependency): string {
  if (!d.flags) return d.name;
  let evr = d.version ?? '';
  if (d.epoch) evr = `${d.epoch}:${evr}`;
  if (d.release) evr = `${evr}-${d.release}`;
  return `${d.name} ${FLAG_OPS[d.flags]} ${evr}`;
}

function toPackageInput(p: RpmMdPackage): PackageInput {
  const deps = (list: RpmMdDependency[]) => list.map(formatRpmMdDependency);
  return {
    name: p.name,
    evr: evrOf(p),
    arch: p.arch,
    provides: deps(p.provides),
    requires: deps(p.requires),
    conflicts: deps(p.conflicts),
    obsoletes: deps(p.obsoletes),
    recommends: deps(p.recommends),
    suggests: deps(p.suggests),
    supplements: deps(p.supplements),
    enhances: deps(p.enhances),
    files: p.files.filter((f) => f.type !== 'dir').map((f) => f.path),
    buildtime: p.time.build,
    vendor: p.vendor,
  };
}

/** dnf's package globs (`*`, `?`, `[…]`), matched against the name and the NEVRA. */
export function matchesPackageGlob(pattern: string, p: { name: string; epoch: number; version: string; release: string; arch: string }): boolean {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[' || ch === ']') re += ch;
    else re += ch.replace(/[.+^${}()|\\/-]/g, '\\$&');
  }
  let rx: RegExp;
  try {
    rx = new RegExp(`^${re}$`);
  } catch {
    rx = new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  }
  const vr = `${p.version}-${p.release}`;
  return [p.name, `${p.name}-${vr}`, `${p.name}-${vr}.${p.arch}`, `${p.name}-${p.epoch}:${vr}.${p.arch}`, `${p.name}.${p.arch}`].some((s) => rx.test(s));
}

function repoMetadata(repo: LoadedRepo, pinnedElsewhere: ReadonlySet<string>, globalExcludes: readonly string[]): RepoMetadata {
  const { includepkgs } = repo.config;
  const excludepkgs = [...repo.config.excludepkgs, ...globalExcludes];
  if (excludepkgs.length === 0 && includepkgs.length === 0 && pinnedElsewhere.size === 0) {
    return { type: 'rpm-md', primary: repo.primary }; // libsolv's own parser: the fast path
  }
  const keep = (p: RpmMdPackage) =>
    !pinnedElsewhere.has(p.name) &&
    !excludepkgs.some((g) => matchesPackageGlob(g, p)) &&
    (includepkgs.length === 0 || includepkgs.some((g) => matchesPackageGlob(g, p)));
  return { type: 'packages', packages: repo.packages.filter(keep).map(toPackageInput) };
}

/** Resolves the treefile's packages against the loaded repos, in install order. */
export async function resolvePackages(repos: readonly LoadedRepo[], treefile: Treefile, options: ResolveOptions = {}): Promise<ResolvedPackage[]> {
  const pins = new Map<string, string>(); // package name → the only repo it may come from
  for (const rp of treefile['repo-packages']) {
    if (!repos.some((r) => r.config.id === rp.repo)) {
      throw new NotFoundError(`repo-packages names repo "${rp.repo}", which is not in "repos"`, { data: { repo: rp.repo, key: 'repo-packages' } });
    }
    for (const name of rp.packages) pins.set(name, rp.repo);
  }
  const specs = [...new Set([...treefile.packages, ...pins.keys()])];
  if (specs.length === 0) return [];
  const backend = options.backend ?? (await defaultSolverBackend());
  const byKey = new Map<string, RpmMdPackage>();
  for (const repo of repos) for (const p of repo.packages) byKey.set(`${repo.config.id}\0${p.name}\0${evrOf(p)}\0${p.arch}`, p);
  // Excludes hide packages from the solver entirely (like dnf removing them from its sack): the solver's own
  // exclude policy still lets `best` see the newest excluded build and fail on it.
  const excludes = treefile['exclude-packages'];
  let result;
  try {
    result = await backend.resolve(
      {
        repos: repos.map((r) => ({
          name: r.config.id,
          priority: r.config.priority,
          cost: r.config.cost,
          metadata: repoMetadata(r, new Set([...pins].filter(([, repo]) => repo !== r.config.id).map(([name]) => name)), excludes),
        })),
        jobs: specs.map((spec) => ({ op: 'install' as const, spec })),
        policy: { arch: treefile.basearch, weakDeps: treefile.recommends, best: true },
      },
      { signal: options.signal },
    );
  } catch (err) {
    throw withContext('resolving packages', err);
  }
  if (!result.ok) {
    throw new ConflictError(`cannot resolve the package set:\n${formatProblems(result.problems)}`, { data: { problems: result.problems } });
  }
  const byId = new Map(repos.map((r) => [r.config.id, r]));
  return result.steps
    .filter((s) => s.action !== 'erase')
    .map((s) => {
      const repo = byId.get(s.package.repo);
      const record = byKey.get(`${s.package.repo}\0${s.package.name}\0${s.package.evr}\0${s.package.arch}`);
      if (!repo || !record) {
        throw new ConflictError(`solver chose ${s.package.nevra} from ${s.package.repo}, which is not in that repo's primary.xml`, { data: { nevra: s.package.nevra } });
      }
      return {
        nevra: s.package.nevra,
        name: record.name,
        epoch: record.epoch,
        version: record.version,
        release: record.release,
        arch: record.arch,
        repo,
        record,
      };
    });
}
