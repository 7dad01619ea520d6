import { gunzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import { CorruptError, NotFoundError, UnsupportedError, throwIfAborted } from '@tsostree/errors';
import { compatibleArches } from '../arch-policy.js';
import {
  DNF_INSTALLONLY_DEFAULT,
  type PackageRef,
  type ProblemExplanation,
  type RepoInput,
  type ResolveOptions,
  type SolveRequest,
  type SolveResult,
  type SolverBackend,
  type SolverCapability,
  type SolverJob,
  type TransactionStep,
} from '../types.js';
import {
  SELECTION_FILELIST,
  SELECTION_INSTALLED_ONLY,
  SOLVER_CLEANDEPS,
  SOLVER_DISFAVOR,
  SOLVER_DISTUPGRADE,
  SOLVER_ERASE,
  SOLVER_FAVOR,
  SOLVER_FORCEBEST,
  SOLVER_INSTALL,
  SOLVER_LOCK,
  SOLVER_MULTIVERSION,
  SOLVER_SOLVABLE,
  SOLVER_SOLVABLE_ALL,
  SOLVER_SOLVABLE_PROVIDES,
  SOLVER_UPDATE,
  SOLVER_USERINSTALLED,
  SolverFlag,
} from './constants.js';
import { Pool, SPEC_SELECTION_FLAGS, type Repo, type SolvableInfo } from './pool.js';
import type { Problem, StepType } from './solver.js';

const CAPABILITIES: ReadonlySet<SolverCapability> = new Set<SolverCapability>([
  'install',
  'erase',
  'update',
  'distupgrade',
  'lock',
  'favor',
  'exclude',
  'weak-deps',
  'rich-deps',
  'file-deps',
  'multiversion',
  'repo-priority',
  'allow-downgrade',
  'allow-uninstall',
  'best',
  'multilib',
  'install-order',
  'explain',
  'rpm-md',
  'testtags',
]);

/** Decompresses rpm-md metadata the way repomd announces it: gzip (and zstd where Node has it), or raw XML. */
export function decompressMetadata(bytes: Uint8Array, what: string): Uint8Array {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (error) {
      throw new CorruptError(`${what}: bad gzip data: ${(error as Error).message}`, { cause: error });
    }
  }
  if (bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd) {
    const zstd = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Uint8Array }).zstdDecompressSync;
    if (!zstd) throw new UnsupportedError(`${what} is zstd-compressed; this Node has no zstd: decompress it first`);
    return zstd(bytes);
  }
  if (bytes[0] === 0xfd && bytes[1] === 0x37 && bytes[2] === 0x7a && bytes[3] === 0x58) {
    throw new UnsupportedError(`${what} is xz-compressed: decompress it first`);
  }
  return bytes;
}

const ACTIONS: Partial<Record<StepType, TransactionStep['action']>> = {
  install: 'install',
  multiinstall: 'install',
  upgrade: 'upgrade',
  change: 'reinstall',
  downgrade: 'downgrade',
  reinstall: 'reinstall',
  multireinstall: 'reinstall',
  obsoletes: 'obsolete',
  erase: 'erase',
};

function ref(info: SolvableInfo): PackageRef {
  return { name: info.name, evr: info.evr, arch: info.arch, repo: info.repo, nevra: info.nevra };
}

async function loadRepo(pool: Pool, input: RepoInput): Promise<Repo> {
  const repo = pool.createRepo(input.name);
  // dnf: lower priority number wins, lower cost wins; libsolv: higher wins.
  repo.setPriority(-(input.priority ?? 99), -(input.cost ?? 1000));
  const meta = input.metadata;
  switch (meta.type) {
    case 'rpm-md':
      // A large primary.xml is parsed on worker threads (Repo.addRpmmdAsync); same result as addRpmmd.
      await repo.addRpmmdAsync(decompressMetadata(meta.primary, `primary of ${input.name}`), 'primary.xml');
      if (meta.filelists) repo.addRpmmd(decompressMetadata(meta.filelists, `filelists of ${input.name}`), 'filelists.xml', { extend: true });
      break;
    case 'testtags':
      repo.addTesttags(meta.data);
      break;
    case 'packages':
      for (const pkg of meta.packages) {
        repo.addPackage({ ...pkg, provides: [...(pkg.provides ?? []), ...(pkg.files ?? [])] });
      }
      break;
    default:
      throw new UnsupportedError(`unknown repo metadata type: ${(meta as { type: string }).type}`);
  }
  return repo;
}

function explain(problem: Problem): ProblemExplanation {
  const packages = new Set<string>();
  for (const rule of problem.rules) {
    if (rule.source) packages.add(rule.source.nevra);
    if (rule.target) packages.add(rule.target.nevra);
  }
  return {
    message: problem.text,
    rules: problem.rules.map((r) => r.text),
    packages: [...packages],
    solutions: problem.solutions.map((s) => s.elements.map((e) => e.text)),
  };
}

/** libsolv (compiled to WebAssembly) as a `SolverBackend`, configured the way dnf 4 configures it. */
export class LibsolvBackend implements SolverBackend {
  readonly name = 'libsolv-wasm';
  readonly capabilities = CAPABILITIES;

  async resolve(request: SolveRequest, options: ResolveOptions = {}): Promise<SolveResult> {
    const { signal } = options;
    throwIfAborted(signal);
    const policy = request.policy ?? {};
    const arch = policy.arch ?? 'x86_64';
    const arches = compatibleArches(arch, { multilib: policy.multilib ?? false });
    const pool = await Pool.create({ arch });
    try {
      pool.setArchPolicy(arches.filter((a) => a !== 'noarch').join(':'));
      let installed: Repo | undefined;
      if (request.installed) {
        installed = await loadRepo(pool, request.installed);
        pool.setInstalled(installed);
      }
      for (const input of request.repos) {
        throwIfAborted(signal);
        await loadRepo(pool, input);
      }
      pool.prepare();
      throwIfAborted(signal);

      if (policy.excludes?.length) {
        const ids = policy.excludes.flatMap((spec) => pool.selectionSolvables(pool.select(spec)));
        const installedIds = new Set(installed?.solvableIds() ?? []);
        pool.setExcludes(ids.filter((id) => !installedIds.has(id)));
      }

      const jobs: number[] = [];
      const best = policy.best ?? true;
      for (const job of request.jobs) jobs.push(...this.jobPairs(pool, job, best, policy.cleanDeps ?? true));
      for (const provide of policy.installonly ?? DNF_INSTALLONLY_DEFAULT) {
        jobs.push(SOLVER_MULTIVERSION | SOLVER_SOLVABLE_PROVIDES, pool.dep(provide));
      }
      if (installed) {
        const user = policy.userInstalled ? new Set(policy.userInstalled) : undefined;
        for (const id of installed.solvableIds()) {
          if (!user || user.has(pool.solvable(id).name)) jobs.push(SOLVER_USERINSTALLED | SOLVER_SOLVABLE, id);
        }
      }

      const solver = pool.createSolver();
      solver.setFlag(SolverFlag.ALLOW_VENDORCHANGE, true);
      solver.setFlag(SolverFlag.DUP_ALLOW_VENDORCHANGE, true);
      solver.setFlag(SolverFlag.KEEP_ORPHANS, true);
      solver.setFlag(SolverFlag.BEST_OBEY_POLICY, true);
      solver.setFlag(SolverFlag.YUM_OBSOLETES, true);
      solver.setFlag(SolverFlag.ALLOW_DOWNGRADE, policy.allowDowngrade ?? false);
      // Like dnf's `remove`, an erase request may take the packages that depend on what it erases with it.
      const erasing = request.jobs.some((j) => j.op === 'erase');
      solver.setFlag(SolverFlag.ALLOW_UNINSTALL, policy.allowUninstall ?? erasing);
      solver.setFlag(SolverFlag.IGNORE_RECOMMENDED, !(policy.weakDeps ?? true));
      throwIfAborted(signal);
      if (solver.solve(jobs) > 0) {
        return { ok: false, problems: solver.problems().map(explain) };
      }
      const transaction = solver.transaction();
      const steps: TransactionStep[] = [];
      for (const step of transaction.steps()) {
        const action = ACTIONS[step.type];
        if (!action) continue;
        steps.push({ action, package: ref(step.package), ...(step.replaces ? { replaces: ref(step.replaces) } : {}) });
      }
      return { ok: true, steps };
    } finally {
      pool.dispose();
    }
  }

  private jobPairs(pool: Pool, job: SolverJob, best: boolean, cleanDeps: boolean): number[] {
    const forceBest = best ? SOLVER_FORCEBEST : 0;
    const spec = job.spec;
    if (spec === undefined || spec === '') {
      if (job.op === 'update') return [SOLVER_UPDATE | SOLVER_SOLVABLE_ALL | forceBest, 0];
      if (job.op === 'distupgrade') return [SOLVER_DISTUPGRADE | SOLVER_SOLVABLE_ALL | forceBest, 0];
      throw new NotFoundError(`${job.op} needs a package spec`);
    }
    let flags = SPEC_SELECTION_FLAGS | (spec.startsWith('/') ? SELECTION_FILELIST : 0);
    if (job.op === 'erase') flags |= SELECTION_INSTALLED_ONLY;
    const selection = pool.select(spec, flags);
    if (selection.length === 0) {
      throw new NotFoundError(`no package matches ${JSON.stringify(spec)}`, { data: { spec, op: job.op } });
    }
    const how = {
      install: SOLVER_INSTALL | forceBest,
      erase: SOLVER_ERASE | (cleanDeps ? SOLVER_CLEANDEPS : 0),
      update: SOLVER_UPDATE | forceBest,
      distupgrade: SOLVER_DISTUPGRADE,
      lock: SOLVER_LOCK,
      favor: SOLVER_FAVOR,
      disfavor: SOLVER_DISFAVOR,
    }[job.op];
    return selection.map((v, i) => (i % 2 === 0 ? v | how : v));
  }
}

/** The default backend instance. */
export const libsolvBackend: SolverBackend = new LibsolvBackend();
