/**
 * The solver interface: what a dependency solver receives (repos, installed packages, jobs, policy) and what it
 * returns (an ordered transaction, or problems explained in words). Backends implement `SolverBackend`; the
 * default one is libsolv compiled to WebAssembly (`@tsostree/solver/libsolv`). Any backend must pass the
 * conformance suite `testSolverBackend()` from `@tsostree/solver/conformance`.
 */

/** A package as handed to a solver field by field (tests, or an installed rpmdb read by @tsostree/rpmdb). */
export interface PackageInput {
  name: string;
  /** `[epoch:]version-release` */
  evr: string;
  arch: string;
  /** Dependencies in rpm syntax (`foo`, `foo >= 1.2-3`, `/usr/bin/sh`, `(a or b)`); `name = evr` is implied. */
  provides?: string[];
  requires?: string[];
  conflicts?: string[];
  obsoletes?: string[];
  recommends?: string[];
  suggests?: string[];
  supplements?: string[];
  enhances?: string[];
  /** Files the package owns (for file dependencies). */
  files?: string[];
  /** Build time (seconds since the epoch) and vendor: what tells two builds of one NEVRA apart (distro-sync). */
  buildtime?: number;
  vendor?: string;
}

/** Where a repo's packages come from. */
export type RepoMetadata =
  /** rpm-md: primary.xml (+ filelists.xml), raw or gzip-compressed bytes. */
  | { type: 'rpm-md'; primary: Uint8Array; filelists?: Uint8Array }
  /** Packages listed one by one. */
  | { type: 'packages'; packages: PackageInput[] }
  /** libsolv's testtags format (what libsolv testcases embed). */
  | { type: 'testtags'; data: string | Uint8Array };

export interface RepoInput {
  /** Repo id (`fedora`, `updates`…); `@System` for the installed set by convention. */
  name: string;
  /** dnf's `priority=`: lower wins; default 99. Packages from a better-priority repo shadow same-named ones. */
  priority?: number;
  /** dnf's `cost=`: among equal priorities, lower cost is preferred; default 1000. */
  cost?: number;
  metadata: RepoMetadata;
}

/** What to do. `spec` uses dnf's package-spec syntax: name, glob, provide, `name-[epoch:]version-release.arch`, `name >= 1.0`, a file path. */
export type SolverJob =
  | { op: 'install'; spec: string }
  | { op: 'erase'; spec: string }
  /** Without `spec`: update everything installed. */
  | { op: 'update'; spec?: string }
  /** Without `spec`: distro-sync everything. */
  | { op: 'distupgrade'; spec?: string }
  /** Keep installed packages as they are / keep uninstalled ones out. */
  | { op: 'lock'; spec: string }
  /** Prefer (favor) or avoid (disfavor) packages when there is a choice. */
  | { op: 'favor'; spec: string }
  | { op: 'disfavor'; spec: string };

export interface SolverPolicy {
  /** Base architecture of the target (default x86_64). */
  arch?: string;
  /** Also allow 32-bit packages (i686… on x86_64). Default false. */
  multilib?: boolean;
  /** Allow replacing an installed package by an older version. Default false. */
  allowDowngrade?: boolean;
  /**
   * Allow erasing installed packages to resolve conflicts (dnf's --allowerasing). Default: false, except for
   * requests with an erase job, which (like dnf's `remove`) may erase the packages depending on what they remove.
   */
  allowUninstall?: boolean;
  /** Insist on the newest version of every requested package (dnf's best=True). Default true. */
  best?: boolean;
  /** Install weak dependencies (Recommends, Supplements). Default true. */
  weakDeps?: boolean;
  /** Erase also removes dependencies nothing else needs (dnf's clean_requirements_on_remove). Default true. */
  cleanDeps?: boolean;
  /** Provides of packages installed side by side instead of updated (dnf's installonlypkgs). */
  installonly?: string[];
  /** Package specs never to install or update to (dnf's excludes). */
  excludes?: string[];
  /** Installed package names the user asked for (others may be cleaned up as unneeded); default: all installed. */
  userInstalled?: string[];
}

export interface SolveRequest {
  /** The installed system. */
  installed?: RepoInput;
  repos: RepoInput[];
  jobs: SolverJob[];
  policy?: SolverPolicy;
}

/** A package in a result. */
export interface PackageRef {
  name: string;
  /** `[epoch:]version-release` */
  evr: string;
  arch: string;
  /** Repo name (`@System` or the installed repo's name for installed packages). */
  repo: string;
  /** `name-[epoch:]version-release.arch` */
  nevra: string;
}

/**
 * One transaction step. `install` (new package), `upgrade`/`downgrade`/`reinstall` (replaces `replaces`),
 * `obsolete` (a differently-named package replacing `replaces` through Obsoletes), `erase`.
 */
export interface TransactionStep {
  action: 'install' | 'upgrade' | 'downgrade' | 'reinstall' | 'obsolete' | 'erase';
  package: PackageRef;
  replaces?: PackageRef;
}

export interface ProblemExplanation {
  /** The problem in words, naming packages and the rule. */
  message: string;
  /** Every rule involved, in words. */
  rules: string[];
  /** The packages the problem names (nevra). */
  packages: string[];
  /** Ways out, each a list of changes in words (e.g. "do not ask to install foo"). */
  solutions: string[][];
}

export type SolveResult =
  /** Steps in install order (dependencies first, so scriptlets find what they need). */
  | { ok: true; steps: TransactionStep[] }
  | { ok: false; problems: ProblemExplanation[] };

/** Features a backend may support; the conformance suite tests exactly the ones declared. */
export type SolverCapability =
  | 'install'
  | 'erase'
  | 'update'
  | 'distupgrade'
  | 'lock'
  | 'favor'
  | 'exclude'
  | 'weak-deps'
  | 'rich-deps'
  | 'file-deps'
  | 'multiversion'
  | 'repo-priority'
  | 'allow-downgrade'
  | 'allow-uninstall'
  | 'best'
  | 'multilib'
  | 'install-order'
  | 'explain'
  | 'rpm-md'
  | 'testtags';

export interface ResolveOptions {
  signal?: AbortSignal;
}

/** A dependency solver. */
export interface SolverBackend {
  readonly name: string;
  readonly capabilities: ReadonlySet<SolverCapability>;
  /**
   * Resolves `request`. Unsatisfiable requests are a normal result (`ok: false`); invalid input (a spec matching
   * nothing, malformed metadata, an unknown architecture) throws a typed error.
   */
  resolve(request: SolveRequest, options?: ResolveOptions): Promise<SolveResult>;
}

/** dnf's default installonlypkgs. */
export const DNF_INSTALLONLY_DEFAULT: readonly string[] = [
  'kernel',
  'kernel-PAE',
  'installonlypkg(kernel)',
  'installonlypkg(kernel-module)',
  'installonlypkg(vm)',
  'multiversion(kernel)',
];
