import { Command } from 'commander';
import { InvalidArgumentError } from '@tsostree/errors';
import { isChecksum } from '@tsostree/objstore';
import type { CliContext } from '../../../context.js';
import { derivedOrigin } from '../../revision.js';
import { openSysroot, printLines } from '../../sysroot-option.js';
import { baseDeployment, checkNotOlder, fetchRefspec, requireRefspec } from '../../update-source.js';

interface UpgradeOpts {
  sysroot?: string;
  os?: string;
  stateroot?: string;
  pullOnly?: boolean;
  deployOnly?: boolean;
  stage?: boolean;
  allowDowngrade?: boolean;
  overrideCommit?: string;
}

/** `tsostree ostree admin upgrade` */
export function adminUpgradeCommand(ctx: CliContext): Command {
  return new Command('upgrade')
    .summary('Pull and deploy the newest commit of the origin')
    .description('Construct new tree from current origin and deploy it, if it changed.')
    .option('--sysroot <path>', 'sysroot (default /)')
    .option('--os <stateroot>', 'stateroot')
    .option('--stateroot <stateroot>', 'stateroot')
    .option('--pull-only', 'only pull, do not deploy')
    .option('--deploy-only', 'do not pull, only deploy what the repository has')
    .option('--stage', 'finalize at shutdown')
    .option('--allow-downgrade', 'permit deploying a commit older than the current one')
    .option('--override-commit <checksum>', 'deploy this commit instead of the latest')
    .action(async (opts: UpgradeOpts) => {
      if (opts.pullOnly && opts.deployOnly) throw new InvalidArgumentError('Cannot simultaneously specify --pull-only and --deploy-only');
      if (opts.overrideCommit !== undefined && !isChecksum(opts.overrideCommit)) {
        throw new InvalidArgumentError(`Invalid checksum ${JSON.stringify(opts.overrideCommit)}`);
      }
      if (opts.os !== undefined && opts.stateroot !== undefined && opts.os !== opts.stateroot) {
        throw new InvalidArgumentError('--os and --stateroot name different stateroots');
      }
      const sysroot = await openSysroot(ctx, opts.sysroot);
      const merge = baseDeployment(sysroot, opts.stateroot ?? opts.os);
      const { origin, refspec } = requireRefspec(merge);
      const repo = await sysroot.repo();
      const head = await fetchRefspec(repo, refspec, { pull: !opts.deployOnly });
      if (opts.pullOnly) return;
      const target = opts.overrideCommit ?? head;
      if (target === merge.checksum) {
        ctx.stdout('No update available.\n');
        return;
      }
      if (!opts.allowDowngrade && opts.overrideCommit === undefined) await checkNotOlder(repo, merge.checksum, target);
      await sysroot.deploy(target, {
        stateroot: merge.stateroot,
        origin: derivedOrigin(origin, { overrideCommit: opts.overrideCommit ?? null }),
        stage: opts.stage === true,
        onMessage: printLines(ctx),
      });
    });
}
