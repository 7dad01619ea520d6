// `--sysroot` for `ostree admin` and the rpm-ostree verbs: which sysroot, and how the CLI (never the
// library) learns which deployment is booted.
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { InvalidArgumentError, NotFoundError, fromSystemError } from '@tsostree/errors';
import { loadCommit, resolveCommit, type Commit, type Repo } from '@tsostree/objstore';
import { Sysroot, parseDeploymentName, type BootedSpec, type Deployment } from '@tsostree/sysroot';
import type { CliContext } from '../context.js';
import type { DeploymentView } from './deployment-view.js';
import { cliPath } from './ostree/repo-option.js';

/**
 * Names the booted deployment of a sysroot that is not the running system (tests, the demo):
 * `<checksum>.<serial>` (optionally `<stateroot>:` before it), or a kernel command line with
 * `ostree=…`. Read only here, in the CLI.
 */
export const BOOTED_ENV = 'TSOSTREE_BOOTED';

/** The `--sysroot` path, absolute (default `/`). */
export function sysrootPath(ctx: CliContext, opt: string | undefined): string {
  if (opt === '') throw new InvalidArgumentError('--sysroot must not be empty');
  return cliPath(ctx, opt ?? '/');
}

/** Checks that `path` is a directory and (unless `ostreeDir` is false) holds `ostree/`: a clear error otherwise. */
export async function assertSysrootDirectory(path: string, ostreeDir = true, what = 'sysroot '): Promise<void> {
  try {
    const st = await stat(path);
    if (!st.isDirectory()) throw new InvalidArgumentError(`${what}${path} is not a directory`);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${what}${path} does not exist`, { data: { path } });
    throw fromSystemError(error, `opening ${what}${path}`);
  }
  if (!ostreeDir) return;
  try {
    const st = await stat(`${path}/ostree`);
    if (!st.isDirectory()) throw new InvalidArgumentError(`${path} is not an ostree sysroot (ostree is not a directory)`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(`${path} is not an ostree sysroot (no ostree/ directory; run 'ostree admin init-fs' first)`, { data: { path } });
    }
    throw error;
  }
}

function findByName(deployments: readonly Deployment[], spec: string): Deployment {
  const colon = spec.indexOf(':');
  const stateroot = colon >= 0 ? spec.slice(0, colon) : undefined;
  let id;
  try {
    id = parseDeploymentName(colon >= 0 ? spec.slice(colon + 1) : spec);
  } catch (error) {
    throw new InvalidArgumentError(`${BOOTED_ENV}=${spec}: expected [<stateroot>:]<checksum>.<serial> or a kernel command line with ostree=`, {
      cause: error,
    });
  }
  const d = deployments.find(
    (x) => !x.staged && x.checksum === id.checksum && x.serial === id.serial && (stateroot === undefined || x.stateroot === stateroot),
  );
  if (!d) throw new NotFoundError(`${BOOTED_ENV}=${spec}: no such deployment in the sysroot`, { data: { spec } });
  return d;
}

/** Opens the sysroot named by `--sysroot`, with the booted deployment as the CLI knows it. */
export async function openSysroot(ctx: CliContext, opt: string | undefined): Promise<Sysroot> {
  const root = sysrootPath(ctx, opt);
  await assertSysrootDirectory(root);
  const spec = ctx.env[BOOTED_ENV];
  if (spec !== undefined && spec !== '') {
    if (spec.includes('ostree=')) return Sysroot.open(root, { booted: { cmdline: spec } });
    // By identity, so the same Sysroot stays "booted" across the boot-version swaps its own writes make.
    const d = findByName((await Sysroot.open(root)).deployments, spec);
    const booted: BootedSpec = { deployment: { stateroot: d.stateroot, checksum: d.checksum, serial: d.serial } };
    return Sysroot.open(root, { booted });
  }
  // The running system: ostree's own test, `/run/ostree-booted` exists only on a booted ostree machine.
  if (root === '/' && existsSync('/run/ostree-booted')) return Sysroot.open(root, { booted: { rootDir: '/' } });
  return Sysroot.open(root);
}

async function tryLoadCommit(repo: Repo, checksum: string): Promise<Commit | null> {
  try {
    return await loadCommit(repo, checksum);
  } catch {
    return null; // like ostree status: a missing commit is shown without its metadata
  }
}

/** Everything the status printers show, for every deployment in boot order. */
export async function deploymentViews(sysroot: Sysroot): Promise<DeploymentView[]> {
  const repo = await sysroot.repo();
  const booted = sysroot.booted;
  const { pending, rollback } = booted ? sysroot.queryDeploymentsFor(booted.stateroot) : { pending: undefined, rollback: undefined };
  const views: DeploymentView[] = [];
  for (const d of sysroot.deployments) {
    const commit = await tryLoadCommit(repo, d.checksum);
    const view: DeploymentView = {
      index: d.index,
      stateroot: d.stateroot,
      checksum: d.checksum,
      serial: d.serial,
      booted: d.booted,
      pending: pending !== undefined && pending.index === d.index,
      rollback: rollback !== undefined && rollback.index === d.index,
      staged: d.staged,
      pinned: d.pinned,
      unlocked: d.unlocked,
      origin: d.origin ?? null,
      commit,
    };
    const refspec = d.origin?.getString('origin', 'refspec');
    if (refspec !== undefined) {
      const head = await resolveCommit(repo, refspec).catch(() => undefined);
      if (head !== undefined && head !== d.checksum) view.pendingBase = { checksum: head, commit: await tryLoadCommit(repo, head) };
    }
    views.push(view);
  }
  return views;
}

/** Parses an `ostree admin` deployment index argument. */
export function parseIndex(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`Invalid index: ${text}`);
  return Number(text);
}

/** Prints the library's ostree-style progress lines (`Copying /etc changes: …`) as they happen. */
export function printLines(ctx: CliContext): (line: string) => void {
  return (line) => ctx.stdout(`${line}\n`);
}
