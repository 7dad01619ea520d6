import { sameDeployment, type Deployment } from './deployment.js';
import type { WorkDeployment } from './deploy-tree.js';

export interface RetentionOptions {
  /** Keep every current deployment (`--retain`). */
  retain?: boolean;
  /** Keep deployments before the booted/merge one (`--retain-pending`). */
  retainPending?: boolean;
  /** Keep deployments after the booted/merge one (`--retain-rollback`). */
  retainRollback?: boolean;
  /** Insert after the booted/merge deployment instead of first (`--not-as-default`). */
  notAsDefault?: boolean;
}

/**
 * The new deployment list of ostree_sysroot_simple_write_deployment: the new deployment first
 * (or right after the booted/merge one), then every current deployment that is pinned, of
 * another stateroot, booted, the merge deployment, or retained by the options.
 */
export function retainedDeploymentList(
  current: readonly Deployment[],
  booted: Deployment | undefined,
  stateroot: string | undefined,
  newDeployment: WorkDeployment,
  merge: Deployment | undefined,
  opts: RetentionOptions = {},
): WorkDeployment[] {
  const out: WorkDeployment[] = [];
  let addedNew = false;
  if (!opts.notAsDefault) {
    out.push(newDeployment);
    addedNew = true;
  }
  let retain = opts.retain ?? false;
  // Without a booted and a merge deployment, pending/rollback mean nothing: keep everything.
  if (!booted && !merge && (opts.retainPending || opts.retainRollback)) retain = true;
  let beforeBooted = true;
  let beforeMerge = true;
  for (const d of current) {
    const osMatches = stateroot === undefined || d.stateroot === stateroot;
    const isBooted = sameDeployment(d, booted);
    const isMerge = sameDeployment(d, merge);
    if (isBooted) beforeBooted = false;
    if (isMerge) beforeMerge = false;
    const passedCrossover = booted ? !beforeBooted : !beforeMerge;
    if (
      retain ||
      d.pinned ||
      !osMatches ||
      (opts.retainPending && !passedCrossover) ||
      isBooted ||
      isMerge ||
      (opts.retainRollback && passedCrossover)
    ) {
      out.push(d);
    }
    if (!addedNew && passedCrossover) {
      out.push(newDeployment);
      addedNew = true;
    }
  }
  if (!addedNew) out.push(newDeployment);
  return out;
}
