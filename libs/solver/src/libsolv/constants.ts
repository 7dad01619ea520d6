/** libsolv's numeric constants (src/solver.h, selection.h, transaction.h, rules.h, pool.h of libsolv 0.7.23). */

/** Job selectors: what a job's `what` means. */
export const SOLVER_SOLVABLE = 0x01;
export const SOLVER_SOLVABLE_NAME = 0x02;
export const SOLVER_SOLVABLE_PROVIDES = 0x03;
export const SOLVER_SOLVABLE_ONE_OF = 0x04;
export const SOLVER_SOLVABLE_REPO = 0x05;
export const SOLVER_SOLVABLE_ALL = 0x06;
export const SOLVER_SELECTMASK = 0xff;

/** Job types. */
export const SOLVER_NOOP = 0x0000;
export const SOLVER_INSTALL = 0x0100;
export const SOLVER_ERASE = 0x0200;
export const SOLVER_UPDATE = 0x0300;
export const SOLVER_WEAKENDEPS = 0x0400;
export const SOLVER_MULTIVERSION = 0x0500;
export const SOLVER_LOCK = 0x0600;
export const SOLVER_DISTUPGRADE = 0x0700;
export const SOLVER_VERIFY = 0x0800;
export const SOLVER_DROP_ORPHANED = 0x0900;
export const SOLVER_USERINSTALLED = 0x0a00;
export const SOLVER_ALLOWUNINSTALL = 0x0b00;
export const SOLVER_FAVOR = 0x0c00;
export const SOLVER_DISFAVOR = 0x0d00;
export const SOLVER_EXCLUDEFROMWEAK = 0x1000;
export const SOLVER_JOBMASK = 0xff00;

/** Job modifiers. */
export const SOLVER_WEAK = 0x010000;
export const SOLVER_ESSENTIAL = 0x020000;
export const SOLVER_CLEANDEPS = 0x040000;
export const SOLVER_ORUPDATE = 0x080000;
export const SOLVER_FORCEBEST = 0x100000;
export const SOLVER_TARGETED = 0x200000;
export const SOLVER_NOTBYUSER = 0x400000;
export const SOLVER_SETEV = 0x01000000;
export const SOLVER_SETEVR = 0x02000000;
export const SOLVER_SETARCH = 0x04000000;
export const SOLVER_SETVENDOR = 0x08000000;
export const SOLVER_SETREPO = 0x10000000;
export const SOLVER_NOAUTOSET = 0x20000000;
export const SOLVER_SETNAME = 0x40000000;

/** Solver flags (solver_set_flag). */
export const SolverFlag = {
  ALLOW_DOWNGRADE: 1,
  ALLOW_ARCHCHANGE: 2,
  ALLOW_VENDORCHANGE: 3,
  ALLOW_UNINSTALL: 4,
  NO_UPDATEPROVIDE: 5,
  SPLITPROVIDES: 6,
  IGNORE_RECOMMENDED: 7,
  ADD_ALREADY_RECOMMENDED: 8,
  NO_INFARCHCHECK: 9,
  ALLOW_NAMECHANGE: 10,
  KEEP_EXPLICIT_OBSOLETES: 11,
  BEST_OBEY_POLICY: 12,
  NO_AUTOTARGET: 13,
  DUP_ALLOW_DOWNGRADE: 14,
  DUP_ALLOW_ARCHCHANGE: 15,
  DUP_ALLOW_VENDORCHANGE: 16,
  DUP_ALLOW_NAMECHANGE: 17,
  KEEP_ORPHANS: 18,
  BREAK_ORPHANS: 19,
  FOCUS_INSTALLED: 20,
  YUM_OBSOLETES: 21,
  NEED_UPDATEPROVIDE: 22,
  URPM_REORDER: 23,
  FOCUS_BEST: 24,
  STRONG_RECOMMENDS: 25,
  INSTALL_ALSO_UPDATES: 26,
  ONLY_NAMESPACE_RECOMMENDED: 27,
  STRICT_REPO_PRIORITY: 28,
} as const;

/** Pool flags (pool_set_flag). */
export const PoolFlag = {
  PROMOTEEPOCH: 1,
  FORBIDSELFCONFLICTS: 2,
  OBSOLETEUSESPROVIDES: 3,
  IMPLICITOBSOLETEUSESPROVIDES: 4,
  OBSOLETEUSESCOLORS: 5,
  NOINSTALLEDOBSOLETES: 6,
  HAVEDISTEPOCH: 7,
  NOOBSOLETESMULTIVERSION: 8,
  ADDFILEPROVIDESFILTERED: 9,
  IMPLICITOBSOLETEUSESCOLORS: 10,
  NOWHATPROVIDESAUX: 11,
  WHATPROVIDESWITHDISABLED: 12,
} as const;

export const DISTTYPE_RPM = 0;

/** Selection flags (selection_make). */
export const SELECTION_NAME = 1 << 0;
export const SELECTION_PROVIDES = 1 << 1;
export const SELECTION_FILELIST = 1 << 2;
export const SELECTION_CANON = 1 << 3;
export const SELECTION_DOTARCH = 1 << 4;
export const SELECTION_REL = 1 << 5;
export const SELECTION_INSTALLED_ONLY = 1 << 8;
export const SELECTION_GLOB = 1 << 9;
export const SELECTION_FLAT = 1 << 10;
export const SELECTION_NOCASE = 1 << 11;

/** Relation flags (pool_rel2id). */
export const REL_GT = 1;
export const REL_EQ = 2;
export const REL_LT = 4;

/** Transaction step types (transaction_type). */
export const TransactionType = {
  IGNORE: 0x00,
  ERASE: 0x10,
  REINSTALLED: 0x11,
  DOWNGRADED: 0x12,
  CHANGED: 0x13,
  UPGRADED: 0x14,
  OBSOLETED: 0x15,
  INSTALL: 0x20,
  REINSTALL: 0x21,
  DOWNGRADE: 0x22,
  CHANGE: 0x23,
  UPGRADE: 0x24,
  OBSOLETES: 0x25,
  MULTIINSTALL: 0x30,
  MULTIREINSTALL: 0x31,
} as const;

export const SOLVER_TRANSACTION_SHOW_ACTIVE = 1 << 0;
export const SOLVER_TRANSACTION_SHOW_ALL = 1 << 1;
export const SOLVER_TRANSACTION_SHOW_OBSOLETES = 1 << 2;
export const SOLVER_TRANSACTION_SHOW_MULTIINSTALL = 1 << 3;
export const SOLVER_TRANSACTION_CHANGE_IS_REINSTALL = 1 << 4;
export const SOLVER_TRANSACTION_RPM_ONLY = 1 << 7;

/** Rule classes (high byte of SolverRuleinfo). */
export const RuleClass: Readonly<Record<number, string>> = {
  0x000: 'unknown',
  0x100: 'package',
  0x200: 'update',
  0x300: 'feature',
  0x400: 'job',
  0x500: 'distupgrade',
  0x600: 'infarch',
  0x700: 'choice',
  0x800: 'learnt',
  0x900: 'best',
  0xa00: 'yumobs',
  0xb00: 'recommends',
  0xc00: 'blacklist',
  0xd00: 'strict-repo-priority',
};

/** repo_add_rpmmd / repo_add_* flags (repo.h). */
export const REPO_REUSE_REPODATA = 1 << 0;
export const REPO_NO_INTERNALIZE = 1 << 1;
export const REPO_EXTEND_SOLVABLES = 1 << 4;
