import { Command } from 'commander';
import { InvalidArgumentError } from '@tsostree/errors';
import { sameDeployment, type Deployment, type Sysroot } from '@tsostree/sysroot';
import type { CliContext } from '../context.js';
import { openSysroot, printLines } from './sysroot-option.js';

interface CleanupOpts {
  pending?: boolean;
  rollback?: boolean;
  base?: boolean;
  repomd?: boolean;
  os?: string;
  sysroot?: string;
}

/** rpm-ostree's pending (a staged or newer deployment) and rollback deployments of the stateroot. */
function pendingAndRollback(sysroot: Sysroot, os: string | undefined): { pending: Deployment[]; rollback: Deployment[] } {
  const stateroot = sysroot.resolveStateroot(os);
  if (sysroot.booted) {
    const { pending, rollback } = sysroot.queryDeploymentsFor(stateroot);
    return { pending: pending ? [pending] : [], rollback: rollback ? [rollback] : [] };
  }
  // Nothing booted (an image, a test sysroot): the default is current, the next one the rollback.
  const mine = sysroot.deployments.filter((d) => d.stateroot === stateroot && !d.staged);
  return { pending: sysroot.deployments.filter((d) => d.staged), rollback: mine.slice(1, 2) };
}

/** `tsostree cleanup` */
export function cleanupCommand(ctx: CliContext): Command {
  return new Command('cleanup')
    .summary('Remove rollback, pending or cached data')
    .description('Remove the pending deployment (-p), the rollback deployment (-r), unused repository data (-b) or cached rpm-md data (-m).')
    .option('-p, --pending', 'remove the pending deployment')
    .option('-r, --rollback', 'remove the rollback deployment')
    .option('-b, --base', 'free space by pruning the repository')
    .option('-m, --repomd', 'delete cached rpm-md data')
    .option('--os <stateroot>', 'operate on this stateroot (default: the booted one)')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(async (opts: CleanupOpts) => {
      if (!opts.pending && !opts.rollback && !opts.base && !opts.repomd) {
        throw new InvalidArgumentError('At least one cleanup option must be specified');
      }
      const sysroot = await openSysroot(ctx, opts.sysroot);
      if (opts.pending || opts.rollback) {
        const { pending, rollback } = pendingAndRollback(sysroot, opts.os);
        const remove = [...(opts.pending ? pending : []), ...(opts.rollback ? rollback : [])];
        if (remove.length === 0) {
          ctx.stdout('Deployments unchanged.\n');
        } else {
          const keep = sysroot.deployments.filter((d) => !remove.some((r) => sameDeployment(r, d)));
          await sysroot.writeDeployments(keep, { postclean: true, onMessage: printLines(ctx) });
        }
      }
      // rpm-md caches belong to package layering, which keeps none yet: -m has nothing to delete.
      if (opts.base) await sysroot.cleanup({ prune: true, onMessage: printLines(ctx) });
    });
}
