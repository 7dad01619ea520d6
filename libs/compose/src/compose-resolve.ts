/**
 * Resolving a treefile's package set with @tsostree/solver (libsolv): every `packages` entry is an
 * install job, `exclude-packages` (and each repo's `excludepkgs`) exclude, `recommends` toggles weak
 * dependencies, the arch policy is the treefile's `basearch`. The result is the solver's install order,
 * each package tied back to its primary.xml record (location, checksum, size).
 */
import { ConflictError, UnsupportedError, withContext } from '@tsostree/errors';
import type { RpmMdPackage } from '@tsostree/rpmdb';
import { defaultSolverBackend, type ProblemExplanation, type SolverBackend } from '@tsostree/solver';
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

/** Resolves the treefile's packages against the loaded repos, in install order. */
export async function resolvePackages(repos: readonly LoadedRepo[], treefile: Treefile, options: ResolveOptions = {}): Promise<ResolvedPackage[]> {
  if (treefile['repo-packages'].length > 0) {
    throw new UnsupportedError('repo-packages is not supported yet by tsostree compose (pin with exclude-packages or repo priorities)', {
      data: { key: 'repo-packages' },
    });
  }
  if (treefile.packages.length === 0) return [];
  const backend = options.backend ?? (await defaultSolverBackend());
  const byKey = new Map<string, RpmMdPackage>();
  for (const repo of repos) for (const p of repo.packages) byKey.set(`${repo.config.id}\0${p.name}\0${evrOf(p)}\0${p.arch}`, p);
  const excludes = [...treefile['exclude-packages'], ...repos.flatMap((r) => r.config.excludepkgs)];
  let result;
  try {
    result = await backend.resolve(
      {
        repos: repos.map((r) => ({
          name: r.config.id,
          priority: r.config.priority,
          cost: r.config.cost,
          metadata: { type: 'rpm-md', primary: r.primary },
        })),
        jobs: treefile.packages.map((spec) => ({ op: 'install' as const, spec })),
        policy: { arch: treefile.basearch, weakDeps: treefile.recommends, best: true, excludes },
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
