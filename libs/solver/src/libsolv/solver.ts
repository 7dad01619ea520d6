import { InvalidArgumentError } from '@tsostree/errors';
import {
  RuleClass,
  SOLVER_TRANSACTION_SHOW_ACTIVE,
  SOLVER_TRANSACTION_SHOW_ALL,
  SOLVER_TRANSACTION_SHOW_MULTIINSTALL,
  SOLVER_TRANSACTION_SHOW_OBSOLETES,
  TransactionType,
} from './constants.js';
import type { LibsolvModule } from './libsolv-module.js';
import type { Disposable, Pool, SolvableInfo } from './pool.js';

/** One rule behind a problem, in libsolv's words. */
export interface ProblemRule {
  /** Rule class: `package`, `job`, `update`, `best`, `infarch`… */
  kind: string;
  /** libsolv's SolverRuleinfo number. */
  type: number;
  source?: SolvableInfo;
  target?: SolvableInfo;
  /** The dependency involved, as a string. */
  dep?: string;
  text: string;
}

/** One way out of a problem: a list of changes, each in words. */
export interface ProblemSolution {
  /** libsolv solution number (1-based) within its problem. */
  id: number;
  elements: { text: string; p: number; rp: number }[];
}

export interface Problem {
  /** libsolv problem number (1-based). */
  id: number;
  /** The problem in libsolv's words (its most relevant rule). */
  text: string;
  /** Every rule that took part, explained. */
  rules: ProblemRule[];
  solutions: ProblemSolution[];
}

/** Rule classes whose source/target are package ids (job rules carry job data there instead). */
function solvableRule(type: number): boolean {
  const cls = type & 0xff00;
  return cls !== 0x400 && cls !== 0x000 && cls !== 0x800;
}

/** A libsolv solver bound to a pool. Create with `pool.createSolver()`, free with `dispose()`. */
export class Solver implements Disposable {
  private freed = false;

  constructor(
    readonly pool: Pool,
    readonly ptr: number,
  ) {}

  private get lib(): LibsolvModule {
    if (this.freed || this.pool.disposed) throw new InvalidArgumentError('solver was disposed');
    return this.pool.lib;
  }

  setFlag(flag: number, value: boolean | number): void {
    this.lib.call('solver_set_flag', this.ptr, flag, Number(value));
  }

  getFlag(flag: number): number {
    return this.lib.call('solver_get_flag', this.ptr, flag);
  }

  /** Solves the jobs (flat `how, what` pairs). Returns the number of problems (0 = solved). */
  solve(jobs: readonly number[]): number {
    if (jobs.length % 2 !== 0) throw new InvalidArgumentError('jobs must be (how, what) pairs');
    const lib = this.lib;
    return lib.withQueue((q) => lib.call('solver_solve', this.ptr, q), jobs);
  }

  /** The problems of the last solve, explained, with the solutions libsolv offers. */
  problems(): Problem[] {
    const lib = this.lib;
    const count = lib.call('solver_problem_count', this.ptr);
    const problems: Problem[] = [];
    for (let id = 1; id <= count; id++) {
      const text = lib.string(lib.call('solver_problem2str', this.ptr, id));
      const rules = lib.withQueue((q) => {
        lib.call('tsl_solver_problem_rules', this.ptr, id, q);
        const flat = lib.queueToArray(q);
        const out: ProblemRule[] = [];
        const seen = new Set<string>();
        for (let i = 0; i + 3 < flat.length; i += 4) {
          const [type, source, target, dep] = flat.slice(i, i + 4) as [number, number, number, number];
          const ruleText = lib.string(lib.call('solver_problemruleinfo2str', this.ptr, type, source, target, dep));
          if (seen.has(ruleText)) continue;
          seen.add(ruleText);
          out.push({
            kind: RuleClass[type & 0xff00] ?? 'unknown',
            type,
            ...(solvableRule(type) && this.isSolvable(source) ? { source: this.pool.solvable(source) } : {}),
            ...(solvableRule(type) && this.isSolvable(target) ? { target: this.pool.solvable(target) } : {}),
            ...(dep ? { dep: this.pool.dep2str(dep) } : {}),
            text: ruleText,
          });
        }
        return out;
      });
      const solutions: ProblemSolution[] = [];
      const nsol = lib.call('solver_solution_count', this.ptr, id);
      for (let s = 1; s <= nsol; s++) {
        const elements = lib.withQueue((q) => {
          lib.call('tsl_solver_solution_elements', this.ptr, id, s, q);
          const flat = lib.queueToArray(q);
          const els: ProblemSolution['elements'] = [];
          for (let i = 0; i + 1 < flat.length; i += 2) {
            const p = flat[i] as number;
            const rp = flat[i + 1] as number;
            els.push({ p, rp, text: lib.string(lib.call('solver_solutionelement2str', this.ptr, p, rp)) });
          }
          return els;
        });
        solutions.push({ id: s, elements });
      }
      problems.push({ id, text, rules, solutions });
    }
    return problems;
  }

  private isSolvable(id: number): boolean {
    return id >= 2 && id < this.pool.solvableCount;
  }

  /** The transaction of the last successful solve, in install order. */
  transaction(): Transaction {
    const lib = this.lib;
    const trans = new Transaction(this.pool, lib.call('tsl_solver_transaction', this.ptr));
    this.pool.adopt(trans);
    return trans;
  }

  dispose(): void {
    if (this.freed) return;
    this.freed = true;
    this.pool.forget(this);
    if (!this.pool.disposed && !this.pool.lib.broken) this.pool.lib.call('solver_free', this.ptr);
  }
}

/** What a transaction step does to a package. */
export type StepType =
  | 'install'
  | 'erase'
  | 'upgrade'
  | 'upgraded'
  | 'downgrade'
  | 'downgraded'
  | 'reinstall'
  | 'reinstalled'
  | 'change'
  | 'changed'
  | 'obsoletes'
  | 'obsoleted'
  | 'multiinstall'
  | 'multireinstall'
  | 'ignore';

const STEP_NAMES: Readonly<Record<number, StepType>> = {
  [TransactionType.IGNORE]: 'ignore',
  [TransactionType.ERASE]: 'erase',
  [TransactionType.REINSTALLED]: 'reinstalled',
  [TransactionType.DOWNGRADED]: 'downgraded',
  [TransactionType.CHANGED]: 'changed',
  [TransactionType.UPGRADED]: 'upgraded',
  [TransactionType.OBSOLETED]: 'obsoleted',
  [TransactionType.INSTALL]: 'install',
  [TransactionType.REINSTALL]: 'reinstall',
  [TransactionType.DOWNGRADE]: 'downgrade',
  [TransactionType.CHANGE]: 'change',
  [TransactionType.UPGRADE]: 'upgrade',
  [TransactionType.OBSOLETES]: 'obsoletes',
  [TransactionType.MULTIINSTALL]: 'multiinstall',
  [TransactionType.MULTIREINSTALL]: 'multireinstall',
};

export interface TransactionStep {
  type: StepType;
  package: SolvableInfo;
  /** For upgrade/downgrade/reinstall/obsoletes: the installed package it replaces (first one). */
  replaces?: SolvableInfo;
}

/** The set of package changes a solve produced. */
export class Transaction implements Disposable {
  private freed = false;
  private ordered = false;

  constructor(
    readonly pool: Pool,
    readonly ptr: number,
  ) {}

  private get lib(): LibsolvModule {
    if (this.freed || this.pool.disposed) throw new InvalidArgumentError('transaction was disposed');
    return this.pool.lib;
  }

  /**
   * The steps, in the order rpm should run them (libsolv's transaction_order: dependencies and PreReq
   * first, so scriptlets find what they need). Erasures of replaced packages are folded into the step
   * that replaces them unless `showAll` is set.
   */
  steps(options: { showAll?: boolean } = {}): TransactionStep[] {
    const lib = this.lib;
    if (!this.ordered) {
      lib.call('transaction_order', this.ptr, 0);
      this.ordered = true;
    }
    const mode = options.showAll
      ? SOLVER_TRANSACTION_SHOW_ACTIVE | SOLVER_TRANSACTION_SHOW_ALL | SOLVER_TRANSACTION_SHOW_OBSOLETES | SOLVER_TRANSACTION_SHOW_MULTIINSTALL
      : SOLVER_TRANSACTION_SHOW_ACTIVE | SOLVER_TRANSACTION_SHOW_OBSOLETES | SOLVER_TRANSACTION_SHOW_MULTIINSTALL;
    return lib.withQueue((q) => {
      lib.call('tsl_transaction_classified_steps', this.ptr, mode, q);
      const flat = lib.queueToArray(q);
      const steps: TransactionStep[] = [];
      for (let i = 0; i + 2 < flat.length; i += 3) {
        const [type, p, other] = flat.slice(i, i + 3) as [number, number, number];
        const name = STEP_NAMES[type] ?? 'ignore';
        if (name === 'ignore') continue;
        steps.push({ type: name, package: this.pool.solvable(p), ...(other > 0 ? { replaces: this.pool.solvable(other) } : {}) });
      }
      return steps;
    });
  }

  dispose(): void {
    if (this.freed) return;
    this.freed = true;
    this.pool.forget(this);
    if (!this.pool.disposed && !this.pool.lib.broken) this.pool.lib.call('transaction_free', this.ptr);
  }
}
