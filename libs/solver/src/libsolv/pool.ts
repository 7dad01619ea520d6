import { InternalError, InvalidArgumentError, NotFoundError, ParseError } from '@tsostree/errors';
import {
  DISTTYPE_RPM,
  REPO_EXTEND_SOLVABLES,
  REPO_NO_INTERNALIZE,
  REL_EQ,
  REL_GT,
  REL_LT,
  SELECTION_CANON,
  SELECTION_DOTARCH,
  SELECTION_FLAT,
  SELECTION_GLOB,
  SELECTION_NAME,
  SELECTION_PROVIDES,
  SELECTION_REL,
} from './constants.js';
import { compileLibsolv, loadLibsolv, type LibsolvModule } from './libsolv-module.js';
import { splitPrimary } from './rpmmd-split.js';
import { FIRST_PART_WEIGHT, partCount, startWorkers } from './rpmmd-workers.js';
import { Solver } from './solver.js';

/** Something that owns wasm memory and must be released exactly once. */
export interface Disposable {
  dispose(): void;
}

/** A package as libsolv sees it. */
export interface SolvableInfo {
  /** libsolv's solvable id, valid within its pool. */
  id: number;
  name: string;
  /** `[epoch:]version-release` */
  evr: string;
  arch: string;
  /** Name of the repo the package comes from. */
  repo: string;
  /** `name-[epoch:]version-release.arch` */
  nevra: string;
}

/** Which dependency list of a package. */
export type DepKind = 'provides' | 'requires' | 'conflicts' | 'obsoletes' | 'recommends' | 'suggests' | 'supplements' | 'enhances';

/** A package added by hand (tests, or an installed rpmdb read by @tsostree/rpmdb). */
export interface PackageSpec {
  name: string;
  /** `[epoch:]version-release` */
  evr: string;
  arch: string;
  /** Dependencies in rpm syntax: `foo`, `foo >= 1.2-3`, `(a or b)`. The package's own `name = evr` is implied. */
  provides?: string[];
  requires?: string[];
  conflicts?: string[];
  obsoletes?: string[];
  recommends?: string[];
  suggests?: string[];
  supplements?: string[];
  enhances?: string[];
  /** Build time (seconds since the epoch): with vendor, what tells two builds of the same NEVRA apart. */
  buildtime?: number;
  vendor?: string;
}

/** A libsolv repository inside a pool. Freed with its pool (or earlier with `dispose()`). */
export class Repo implements Disposable {
  private freed = false;

  constructor(
    readonly pool: Pool,
    readonly ptr: number,
    readonly name: string,
  ) {}

  private get lib(): LibsolvModule {
    if (this.freed || this.pool.disposed) throw new InvalidArgumentError(`repo ${this.name} was disposed`);
    return this.pool.lib;
  }

  /** Number of packages in the repo. */
  get size(): number {
    return this.lib.call('tsl_repo_nsolvables', this.ptr);
  }

  /** Priority (higher wins, like dnf's inverted `priority=`) and sub-priority. */
  setPriority(priority: number, subpriority = 0): void {
    this.lib.call('tsl_repo_set_priority', this.ptr, priority | 0, subpriority | 0);
  }

  /**
   * Adds rpm-md metadata (primary.xml, filelists.xml or other.xml, uncompressed) with libsolv's own parser.
   * Add primary first, then filelists/other with `extend: true`.
   */
  addRpmmd(xml: Uint8Array, what = 'rpm-md', options: { extend?: boolean } = {}): void {
    const lib = this.lib;
    this.pool.dirty = true;
    // REPO_NO_INTERNALIZE: several documents go into one repo; REPO_EXTEND_SOLVABLES: filelists/other add to
    // the packages primary created (matched by pkgid) instead of creating new ones.
    // Extending matches packages by pkgid, which libsolv looks up in the repo's internalized data.
    const flags = REPO_NO_INTERNALIZE | (options.extend ? REPO_EXTEND_SOLVABLES : 0);
    if (options.extend) lib.call('repo_internalize', this.ptr);
    const rc = lib.withSource(xml, (source) => lib.call('tsl_repo_add_rpmmd', this.ptr, source, flags));
    if (rc !== 0) {
      throw new ParseError(`${what} of repo ${this.name}: ${this.pool.lastError()}`, { data: { repo: this.name } });
    }
  }

  /**
   * Like `addRpmmd`, but a large primary.xml (16 MiB and more, on a machine with several cores) is split at
   * package boundaries and parsed on worker threads (this thread parses the first part), the parts merged back
   * in document order through libsolv's `.solv` format: the same packages, with the same ids and data, as
   * `addRpmmd`. `workers` forces the number of parts (1: sequential). If anything goes wrong in a part (bad
   * XML, a worker that cannot start or traps), every worker is stopped, what was added is removed and the
   * document is parsed again in one piece: errors are exactly `addRpmmd`'s.
   */
  async addRpmmdAsync(xml: Uint8Array, what = 'rpm-md', options: { extend?: boolean; workers?: number } = {}): Promise<void> {
    // Only a first document into an empty repo is split (a failure can then be undone by emptying the repo).
    const n = options.extend || this.size !== 0 ? 1 : partCount(xml.length, options.workers);
    const parts = splitPrimary(xml, n, FIRST_PART_WEIGHT);
    if (!parts) return this.addRpmmd(xml, what, options);
    const module = await compileLibsolv();
    const lib = this.lib; // checked again after the await: the pool may have been disposed meanwhile
    const [first, ...rest] = parts.bodies.map((body) => [parts.head, body, parts.tail]);
    const workers = startWorkers(module, rest);
    this.pool.dirty = true;
    let merged = false;
    try {
      const rc = lib.withSource(first!, (source) => lib.call('tsl_repo_add_rpmmd', this.ptr, source, REPO_NO_INTERNALIZE));
      if (rc === 0) {
        const solvs = await workers.results.catch(() => undefined);
        const again = this.lib;
        merged = solvs !== undefined && solvs.every((solv) => again.withSource(solv, (source) => again.call('tsl_repo_add_solv', this.ptr, source, REPO_NO_INTERNALIZE)) === 0);
      }
    } finally {
      await workers.cancel();
    }
    if (merged) return;
    // Parse again as one document: the result, or the error and its line number, is then exactly addRpmmd's.
    this.lib.call('repo_empty', this.ptr, 1);
    this.addRpmmd(xml, what, options);
  }

  /** The repo in libsolv's binary `.solv` format (repo_write): what `addSolv` reads back, in this or another pool. */
  writeSolv(): Uint8Array {
    const lib = this.lib;
    const lenp = lib.call('malloc', 4);
    try {
      const buf = lib.call('tsl_repo_write', this.ptr, lenp);
      if (!buf) throw new InternalError(`writing repo ${this.name} as .solv: ${this.pool.lastError()}`);
      const bytes = lib.raw.HEAPU8.slice(buf, buf + (lib.raw.HEAP32[lenp >>> 2] ?? 0));
      lib.free(buf);
      return bytes;
    } finally {
      lib.free(lenp);
    }
  }

  /** Adds the packages of a `.solv` document (see `writeSolv`). */
  addSolv(solv: Uint8Array): void {
    const lib = this.lib;
    this.pool.dirty = true;
    const rc = lib.withSource(solv, (source) => lib.call('tsl_repo_add_solv', this.ptr, source, REPO_NO_INTERNALIZE));
    if (rc !== 0) throw new ParseError(`.solv of repo ${this.name}: ${this.pool.lastError()}`, { data: { repo: this.name } });
  }

  /** Adds packages in libsolv's testtags format (the format testcases embed). */
  addTesttags(text: string | Uint8Array): void {
    const lib = this.lib;
    this.pool.dirty = true;
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    const rc = lib.withBytes(bytes, (ptr, len) => lib.call('tsl_repo_add_testtags', this.ptr, ptr, len, 1 << 1));
    if (rc !== 0) {
      throw new ParseError(`testtags of repo ${this.name}: ${this.pool.lastError()}`, { data: { repo: this.name } });
    }
  }

  /** Adds one package described field by field; returns its solvable id. */
  addPackage(spec: PackageSpec): number {
    const lib = this.lib;
    this.pool.dirty = true;
    for (const [field, value] of [['name', spec.name], ['evr', spec.evr], ['arch', spec.arch]] as const) {
      if (!value || /\s/.test(value)) {
        throw new InvalidArgumentError(`package ${field} must be a non-empty word: ${JSON.stringify(value)}`);
      }
    }
    const id = lib.withString(spec.name, (n) =>
      lib.withString(spec.evr, (e) => lib.withString(spec.arch, (a) => lib.call('tsl_repo_add_package', this.ptr, n, e, a))),
    );
    if (spec.buildtime !== undefined) lib.call('tsl_solvable_set_buildtime', this.pool.ptr, id, spec.buildtime >>> 0);
    if (spec.vendor) {
      const vendor = spec.vendor;
      lib.withString(vendor, (v) => lib.call('tsl_solvable_set_vendor', this.pool.ptr, id, v));
    }
    const kinds: DepKind[] = ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'];
    for (const kind of kinds) {
      for (const dep of spec[kind] ?? []) {
        const key = this.pool.keyId(kind);
        const rc = lib.withString(dep, (d) => lib.call('tsl_solvable_add_dep', this.pool.ptr, id, key, d));
        if (rc !== 0) throw new ParseError(`invalid dependency of ${spec.name}: ${JSON.stringify(dep)}`, { data: { dep } });
      }
    }
    return id;
  }

  /** Finishes loading (libsolv's repo_internalize); the pool does this for every repo in `prepare()`. */
  internalize(): void {
    this.lib.call('repo_internalize', this.ptr);
  }

  /** Solvable ids of the packages in this repo. */
  solvableIds(): number[] {
    const lib = this.lib;
    const start = lib.call('tsl_repo_start', this.ptr);
    const end = lib.call('tsl_repo_end', this.ptr);
    const ids: number[] = [];
    for (let p = start; p < end; p++) {
      if (lib.call('tsl_solvable_repo', this.pool.ptr, p) === this.ptr) ids.push(p);
    }
    return ids;
  }

  dispose(): void {
    if (this.freed || this.pool.disposed) return;
    this.pool.lib.call('repo_free', this.ptr, 1);
    this.freed = true;
    this.pool.forgetRepo(this);
  }
}

export interface PoolOptions {
  /** Base architecture of the target machine (`x86_64`, `aarch64`…), default x86_64. */
  arch?: string;
  /** Use a separate libsolv instance instead of the shared one (isolated heap). */
  lib?: LibsolvModule;
}

/** Selection flags a dnf-style package spec uses: names, provides, globs, `name-evr.arch` forms, `name >= 1`. */
export const SPEC_SELECTION_FLAGS =
  SELECTION_NAME | SELECTION_PROVIDES | SELECTION_GLOB | SELECTION_CANON | SELECTION_DOTARCH | SELECTION_REL;

/**
 * A libsolv pool: the universe of packages (repos of solvables), the string/dependency id space, and the
 * architecture policy. Everything created from it (repos, solvers, transactions) is freed with `dispose()`.
 */
export class Pool implements Disposable {
  disposed = false;
  /** Repos changed since the last `prepare()`. */
  dirty = true;
  private readonly repos = new Set<Repo>();
  private readonly children = new Set<Disposable>();
  private readonly keyIds = new Map<string, number>();
  /** String ids never change meaning within a pool, so their text is cached. */
  private readonly strings = new Map<number, string>();
  private readonly repoNames = new Map<number, string>();

  private constructor(
    readonly lib: LibsolvModule,
    readonly ptr: number,
  ) {}

  static async create(options: PoolOptions = {}): Promise<Pool> {
    const lib = options.lib ?? (await loadLibsolv());
    const ptr = lib.call('pool_create');
    const pool = new Pool(lib, ptr);
    lib.call('tsl_pool_quiet', ptr);
    lib.call('pool_setdisttype', ptr, DISTTYPE_RPM);
    pool.setArch(options.arch ?? 'x86_64');
    return pool;
  }

  private check(): LibsolvModule {
    if (this.disposed) throw new InvalidArgumentError('pool was disposed');
    return this.lib;
  }

  /** Sets the architecture policy (which package arches are installable and their preference order). */
  setArch(arch: string): void {
    if (!/^[A-Za-z0-9_]+$/.test(arch)) throw new InvalidArgumentError(`invalid architecture: ${arch}`);
    const lib = this.check();
    lib.withString(arch, (a) => lib.call('pool_setarch', this.ptr, a));
  }

  /** Sets an explicit arch policy string in libsolv's syntax, e.g. `x86_64:i686:i586:i486:i386`. */
  setArchPolicy(policy: string): void {
    const lib = this.check();
    lib.withString(policy, (a) => lib.call('pool_setarchpolicy', this.ptr, a));
  }

  setFlag(flag: number, value: boolean | number): number {
    return this.check().call('pool_set_flag', this.ptr, flag, Number(value));
  }

  createRepo(name: string): Repo {
    const lib = this.check();
    const ptr = lib.withString(name, (n) => lib.call('repo_create', this.ptr, n));
    const repo = new Repo(this, ptr, name);
    this.repos.add(repo);
    return repo;
  }

  /** Marks `repo` as the installed system (what updates and erases act on). */
  setInstalled(repo: Repo | undefined): void {
    this.check().call('pool_set_installed', this.ptr, repo?.ptr ?? 0);
  }

  /** Internalizes every repo, adds file provides and builds the provides index. Call after loading, before solving. */
  prepare(): void {
    const lib = this.check();
    for (const repo of this.repos) repo.internalize();
    lib.call('pool_addfileprovides', this.ptr);
    lib.call('pool_createwhatprovides', this.ptr);
    this.dirty = false;
  }

  /** Keeps these packages out of every solution (dnf's `excludes`); an empty list clears. */
  setExcludes(ids: readonly number[]): void {
    const lib = this.check();
    lib.withQueue((q) => lib.call('tsl_pool_set_excludes', this.ptr, q), ids);
    // The provides index leaves out what is not considered only when it is built afterwards (dnf rebuilds it
    // too): otherwise SOLVER_FORCEBEST still sees an excluded newest build and the job fails on it.
    if (!this.dirty) lib.call('pool_createwhatprovides', this.ptr);
  }

  lastError(): string {
    return this.lib.string(this.lib.call('tsl_pool_errstr', this.ptr));
  }

  /** The id of a string (0 if unknown and `create` is false). */
  str2id(text: string, create = true): number {
    const lib = this.check();
    return lib.withString(text, (s) => lib.call('pool_str2id', this.ptr, s, create ? 1 : 0));
  }

  id2str(id: number): string {
    let text = this.strings.get(id);
    if (text === undefined) {
      const lib = this.check();
      text = lib.string(lib.call('pool_id2str', this.ptr, id));
      this.strings.set(id, text);
    }
    return text;
  }

  dep2str(id: number): string {
    const lib = this.check();
    return lib.string(lib.call('pool_dep2str', this.ptr, id));
  }

  /** A dependency id for `name`, or `name op evr` (op one of = < > <= >=). */
  dep(name: string, op?: '=' | '<' | '>' | '<=' | '>=', evr?: string): number {
    const nameId = this.str2id(name);
    if (!op) return nameId;
    if (!evr) throw new InvalidArgumentError(`dependency ${name} ${op} needs a version`);
    const flags = (op.includes('<') ? REL_LT : 0) | (op.includes('>') ? REL_GT : 0) | (op.includes('=') ? REL_EQ : 0);
    return this.check().call('pool_rel2id', this.ptr, nameId, this.str2id(evr), flags, 1);
  }

  /** The id libsolv uses for a dependency key (`solvable:requires`…). */
  keyId(kind: DepKind): number {
    let id = this.keyIds.get(kind);
    if (id === undefined) {
      id = this.str2id(`solvable:${kind}`, false);
      if (!id) throw new InvalidArgumentError(`unknown dependency kind: ${kind}`);
      this.keyIds.set(kind, id);
    }
    return id;
  }

  get solvableCount(): number {
    return this.check().call('tsl_pool_nsolvables', this.ptr);
  }

  solvable(id: number): SolvableInfo {
    const lib = this.check();
    if (!Number.isInteger(id) || id < 2 || id >= this.solvableCount) {
      throw new NotFoundError(`no solvable with id ${id}`, { data: { id } });
    }
    const repoPtr = lib.call('tsl_solvable_repo', this.ptr, id);
    let repo = this.repoNames.get(repoPtr);
    if (repo === undefined) {
      repo = repoPtr ? lib.string(lib.call('tsl_repo_name', repoPtr)) : '';
      this.repoNames.set(repoPtr, repo);
    }
    const name = this.id2str(lib.call('tsl_solvable_name', this.ptr, id));
    const evr = this.id2str(lib.call('tsl_solvable_evr', this.ptr, id));
    const arch = this.id2str(lib.call('tsl_solvable_arch', this.ptr, id));
    // pool_solvid2str's format; it leaves out the arch of packages without one.
    return { id, name, evr, arch, repo, nevra: arch ? `${name}-${evr}.${arch}` : `${name}-${evr}` };
  }

  /** The dependencies of one kind of a package, as strings. */
  solvableDeps(id: number, kind: DepKind): string[] {
    const lib = this.check();
    return lib.withQueue((q) => {
      lib.call('tsl_solvable_deps', this.ptr, id, this.keyId(kind), q);
      return lib.queueToArray(q).filter((d) => d !== 0 && d !== this.str2id('solvable:prereqmarker', false)).map((d) => this.dep2str(d));
    });
  }

  /** Ids of the packages providing a dependency (after `prepare()`). */
  whatProvides(dep: number): number[] {
    const lib = this.check();
    if (this.dirty) this.prepare();
    return lib.withQueue((q) => {
      lib.call('tsl_pool_whatprovides', this.ptr, dep, q);
      return lib.queueToArray(q);
    });
  }

  /**
   * libsolv's selection_make: turns a package spec into (how, what) job pairs. Returns [] when nothing matches.
   */
  select(spec: string, flags = SPEC_SELECTION_FLAGS): number[] {
    const lib = this.check();
    if (this.dirty) this.prepare();
    return lib.withQueue((q) => {
      lib.withString(spec, (s) => lib.call('selection_make', this.ptr, q, s, flags));
      return lib.queueToArray(q);
    });
  }

  /** The package ids a selection (from `select`) stands for. */
  selectionSolvables(selection: readonly number[]): number[] {
    const lib = this.check();
    return lib.withQueue(
      (sel) =>
        lib.withQueue((out) => {
          lib.call('selection_solvables', this.ptr, sel, out);
          return lib.queueToArray(out);
        }),
      selection,
    );
  }

  /** Selects exactly the given packages, as one flat SOLVER_SOLVABLE_ONE_OF selection. */
  selectFlat(spec: string): number[] {
    return this.select(spec, SPEC_SELECTION_FLAGS | SELECTION_FLAT);
  }

  /** Compares two EVR strings the rpm way (-1, 0, 1). */
  evrcmp(a: string, b: string): number {
    const lib = this.check();
    return Math.sign(lib.withString(a, (pa) => lib.withString(b, (pb) => lib.call('pool_evrcmp_str', this.ptr, pa, pb, 0))));
  }

  /** A solver over the pool as it is now (prepares the pool first if repos changed). */
  createSolver(): Solver {
    if (this.dirty) this.prepare();
    const solver = new Solver(this, this.check().call('solver_create', this.ptr));
    this.children.add(solver);
    return solver;
  }

  /** @internal */
  adopt(child: Disposable): void {
    this.children.add(child);
  }

  /** @internal */
  forget(child: Disposable): void {
    this.children.delete(child);
  }

  /** @internal */
  forgetRepo(repo: Repo): void {
    this.repos.delete(repo);
    this.repoNames.delete(repo.ptr);
  }

  /** Frees the pool and everything created from it. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    for (const child of [...this.children]) child.dispose();
    this.children.clear();
    this.repos.clear();
    this.disposed = true;
    if (!this.lib.broken) this.lib.call('pool_free', this.ptr);
  }
}
