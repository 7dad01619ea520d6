import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { InvalidArgumentError, NotFoundError, fromSystemError } from '@tsostree/errors';
import { Repo } from '@tsostree/objstore';
import { sameDeployment, type Deployment } from './deployment.js';
import { isValidStateroot } from './format/bootlink.js';
import type { KernelArgs } from '@tsostree/bootloader';
import { editKargsInPlaceLocked, rollbackLocked, setDefaultLocked, setKernelArgsLocked, setPinnedLocked, undeployLocked, type AdminOptions } from './sysroot-admin.js';
import { cleanupSysroot, type CleanupOptions, type CleanupResult } from './sysroot-cleanup.js';
import { deployLocked, finalizeStagedLocked, type DeployOptions, type DeployResult, type FinalizeResult } from './sysroot-deploy.js';
import { loadSysrootState, type BootedSpec, type LoadedState } from './sysroot-load.js';
import { stageOverlayInitrd } from './overlay-initrd.js';
import { withSysrootLock, type LockOptions } from './sysroot-lock.js';
import { writeDeployments, type WriteDeploymentsOptions, type WriteDeploymentsResult } from './write-deployments.js';

/** A named point in a mutating operation; a hook may throw (or kill the process) there. */
export type FailpointHook = (name: string) => void | Promise<void>;

export interface SysrootOptions {
  /**
   * How to find the booted deployment. Omitted: nothing is booted (a temp sysroot, an image
   * being built). `{ cmdline }` uses the `ostree=` argument (tests pass the entry's options,
   * the CLI passes /proc/cmdline); `{ rootDir: '/' }` compares device/inode like ostree.
   */
  booted?: BootedSpec;
  /** Where `/run` is (staged deployment, unlocked state). Default `<root>/run`. */
  runDir?: string;
  /** Called at every named failpoint of deploy, swap, finalize and cleanup (crash tests). */
  failpoint?: FailpointHook;
  /**
   * syncfs() before the boot swap, as ostree does (default true). Turning it off keeps the write
   * order (so a killed process still leaves a bootable sysroot) but not power-loss durability:
   * for tests and image builds only.
   */
  sync?: boolean;
  /** How long mutating operations wait for the sysroot lock (default 30 s; 0 = fail at once). */
  lockTimeoutMs?: number;
}

/**
 * An ostree physical sysroot (ostree's `OstreeSysroot`) opened over a root directory: `/` on a
 * machine, any directory in tests. `open` loads the state; mutating operations reload it.
 */
export class Sysroot {
  readonly root: string;
  readonly runDir: string;
  readonly options: SysrootOptions;
  #state: LoadedState;
  #repo: Repo | undefined;

  private constructor(root: string, options: SysrootOptions, state: LoadedState) {
    this.root = root;
    this.options = options;
    this.runDir = options.runDir ?? join(root, 'run');
    this.#state = state;
  }

  /** Opens and loads the sysroot at `root` (an absolute path). */
  static async open(root: string, options: SysrootOptions = {}): Promise<Sysroot> {
    if (!isAbsolute(root)) throw new InvalidArgumentError(`sysroot path must be absolute: ${JSON.stringify(root)}`);
    const abs = resolve(root);
    const runDir = options.runDir ?? join(abs, 'run');
    const state = await loadSysrootState(abs, runDir, options.booted);
    return new Sysroot(abs, options, state);
  }

  /**
   * Re-reads everything from disk (after another process changed it). The booted deployment
   * keeps its identity across reloads (like ostree's device/inode), even when the boot version
   * its `ostree=` argument names has since been replaced.
   */
  async reload(): Promise<void> {
    const booted = this.#state.booted;
    const spec: BootedSpec | undefined = booted
      ? { deployment: { stateroot: booted.stateroot, checksum: booted.checksum, serial: booted.serial } }
      : this.options.booted;
    this.#state = await loadSysrootState(this.root, this.runDir, spec);
  }

  /** The current boot version (`boot/loader` → `loader.<bv>`). */
  get bootVersion(): 0 | 1 {
    return this.#state.bootVersion;
  }

  /** The current sub-boot version (`ostree/boot.<bv>` → `boot.<bv>.<sub>`). */
  get subbootVersion(): 0 | 1 {
    return this.#state.subbootVersion;
  }

  /** Deployments in boot order: the staged one first, then the default, … */
  get deployments(): readonly Deployment[] {
    return this.#state.deployments;
  }

  get booted(): Deployment | undefined {
    return this.#state.booted;
  }

  get staged(): Deployment | undefined {
    return this.#state.staged;
  }

  /**
   * The sysroot repository `ostree/repo` (opened once), a system repository. Like
   * `ostree_sysroot_get_repo`, its remotes include `<root>/etc/ostree/remotes.d/*.conf` when the
   * root is a deployment (booted, or holding a `sysroot` entry as every deployment does) and not
   * when it is the physical root, where `/etc` is not the system's configuration.
   */
  async repo(): Promise<Repo> {
    this.#repo ??= await Repo.open(join(this.root, 'ostree/repo'), {
      system: true,
      remotesConfigDir: (await this.isPhysical()) ? null : join(this.root, 'etc/ostree/remotes.d'),
    });
    return this.#repo;
  }

  /** ostree's `is_physical`: not booted, and no `sysroot` entry (only deployments have one). */
  async isPhysical(): Promise<boolean> {
    if (this.booted) return false;
    try {
      await stat(join(this.root, 'sysroot'));
      return false;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw fromSystemError(error, `checking ${join(this.root, 'sysroot')}`);
    }
  }

  /** Absolute path of a deployment's directory. */
  deploymentDirectory(d: Pick<Deployment, 'path'>): string {
    return join(this.root, d.path);
  }

  /** Absolute path of a deployment's origin file. */
  originPath(d: Pick<Deployment, 'path'>): string {
    return `${join(this.root, d.path)}.origin`;
  }

  /** The stateroot a command acts on: the given one, else the booted deployment's; InvalidArgument if neither. */
  resolveStateroot(stateroot?: string): string {
    if (stateroot !== undefined) {
      if (!isValidStateroot(stateroot)) throw new InvalidArgumentError(`invalid stateroot name ${JSON.stringify(stateroot)}`);
      return stateroot;
    }
    if (this.booted) return this.booted.stateroot;
    throw new InvalidArgumentError('Not currently booted into an OSTree system and no --os= argument given');
  }

  /**
   * ostree_sysroot_query_deployments_for: the pending deployment (first of the stateroot before
   * the booted one) and the rollback (first after the booted one).
   */
  queryDeploymentsFor(stateroot?: string): { pending: Deployment | undefined; rollback: Deployment | undefined } {
    const os = this.resolveStateroot(stateroot);
    let foundBooted = false;
    let pending: Deployment | undefined;
    let rollback: Deployment | undefined;
    for (const d of this.deployments) {
      if (d.stateroot !== os) continue;
      if (this.booted && sameDeployment(d, this.booted)) {
        foundBooted = true;
        continue;
      }
      if (!foundBooted && !pending) pending = d;
      else if (foundBooted && !rollback) rollback = d;
    }
    return { pending, rollback };
  }

  /** ostree_sysroot_get_merge_deployment: the booted one if in this stateroot, else the first of the stateroot. */
  mergeDeployment(stateroot?: string): Deployment | undefined {
    const os = this.resolveStateroot(stateroot);
    if (this.booted && this.booted.stateroot === os) return this.booted;
    return this.queryDeploymentsFor(os).pending;
  }

  /** Finds a deployment by index (as `ostree admin` verbs take it); NotFound when out of range. */
  deploymentAt(index: number): Deployment {
    const d = Number.isInteger(index) && index >= 0 ? this.deployments[index] : undefined;
    if (!d) throw new NotFoundError(`Out of range deployment index ${index}, expected < ${this.deployments.length}`, { data: { index } });
    return d;
  }

  /** The stateroots under `ostree/deploy/`. */
  async listStateroots(): Promise<string[]> {
    try {
      return (await readdir(join(this.root, 'ostree/deploy'), { withFileTypes: true }))
        .filter((e) => e.isDirectory() && isValidStateroot(e.name))
        .map((e) => e.name)
        .sort();
    } catch (error) {
      throw fromSystemError(error, 'listing ostree/deploy');
    }
  }

  #lockOptions(signal?: AbortSignal): LockOptions {
    return { ...(this.options.lockTimeoutMs !== undefined ? { timeoutMs: this.options.lockTimeoutMs } : {}), ...(signal ? { signal } : {}) };
  }

  /** Runs `fn` holding the sysroot lock (`ostree/lock`, shared with real ostree). */
  async withLock<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withSysrootLock(this.root, fn, this.#lockOptions(signal));
  }

  /**
   * `ostree admin deploy`: checks out `revision` (ref, `remote:ref` or checksum) of `ostree/repo`
   * as a new deployment, merges /etc from the merge deployment, writes the new boot
   * configuration and swaps it in atomically, then cleans up; with `stage`, prepares it for
   * `finalizeStaged` instead.
   */
  async deploy(revision: string, options: DeployOptions = {}): Promise<DeployResult> {
    return this.withLock(() => deployLocked(this, revision, options), options.signal);
  }

  /**
   * ostree_sysroot_stage_overlay_initrd (`ostree admin deploy --overlay-initrd`): copies an
   * initramfs overlay into `<runDir>/ostree/staged-initrds/`; pass the returned sha256 in
   * `deploy`'s `overlayInitrds`. Writing the boot configuration installs it into
   * `boot/ostree/initramfs-overlays/`; cleanup removes it once no deployment names it.
   */
  async stageOverlayInitrd(source: string | Uint8Array): Promise<string> {
    return stageOverlayInitrd(this.runDir, source);
  }

  /** `ostree admin finalize-staged`. */
  async finalizeStaged(options: { onMessage?: (line: string) => void; signal?: AbortSignal; mutable?: boolean } = {}): Promise<FinalizeResult> {
    return this.withLock(() => finalizeStagedLocked(this, options), options.signal);
  }

  /** `ostree admin undeploy INDEX`; returns the removed deployment. */
  async undeploy(index: number, options: AdminOptions = {}): Promise<Deployment> {
    return this.withLock(() => undeployLocked(this, index, options), options.signal);
  }

  /** Makes the deployment at `index` the default (`ostree admin set-default` of newer ostree). */
  async setDefault(index: number, options: AdminOptions = {}): Promise<WriteDeploymentsResult> {
    return this.withLock(() => setDefaultLocked(this, index, options), options.signal);
  }

  /** `rpm-ostree rollback`: the rollback deployment becomes the default; returns it. */
  async rollback(options: AdminOptions & { stateroot?: string } = {}): Promise<Deployment> {
    return this.withLock(() => rollbackLocked(this, options.stateroot, options), options.signal);
  }

  /** `ostree admin pin [--unpin] INDEX`; returns false when nothing changed. */
  async setPinned(index: number, pinned: boolean): Promise<boolean> {
    return this.withLock(() => setPinnedLocked(this, index, pinned));
  }

  /** Replaces a deployment's kernel arguments (ostree_sysroot_deployment_set_kargs). */
  async setKernelArgs(index: number, kargs: string[], options: AdminOptions = {}): Promise<WriteDeploymentsResult> {
    return this.withLock(() => setKernelArgsLocked(this, index, kargs, options), options.signal);
  }

  /** `ostree admin kargs edit-in-place`: edits the current entries' kernel arguments without a new boot version. */
  async editKernelArgsInPlace(edit: (kargs: KernelArgs) => void): Promise<void> {
    return this.withLock(() => editKargsInPlaceLocked(this, edit));
  }

  /** Writes a deployment list (boot order) — the primitive under every verb above. */
  async writeDeployments(list: readonly Deployment[], options: WriteDeploymentsOptions = {}): Promise<WriteDeploymentsResult> {
    return this.withLock(async () => {
      await this.reload();
      return writeDeployments(this, [...list], options);
    }, options.signal);
  }

  /** `ostree admin cleanup`: old boot versions, unreferenced deployments and boot directories, deployment refs, repository prune. */
  async cleanup(options: CleanupOptions = {}): Promise<CleanupResult> {
    return this.withLock(async () => {
      await this.reload();
      return cleanupSysroot(this, options);
    }, options.signal);
  }

  /** The kernel command line a machine booted into `d` would have (its entry's options): for tests' `booted`. */
  static cmdlineOf(d: Deployment): string {
    return d.kernelArgs;
  }
}
