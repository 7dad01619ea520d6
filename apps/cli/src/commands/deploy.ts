import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { derivedOrigin, fetchRevision, parseRevision } from './revision.js';
import { deployLikeRpmOstree, rejectReboot } from './rpm-ostree-common.js';
import { openSysroot } from './sysroot-option.js';
import { baseDeployment, fetchRefspec, requireRefspec } from './update-source.js';

/** `tsostree deploy` */
export function deployCommand(ctx: CliContext): Command {
  return new Command('deploy')
    .summary('Deploy a specific version or commit of the current branch')
    .description('Deploy a specific version (version=V) or commit (revision=CHECKSUM) of the current branch.')
    .argument('<revision>')
    .option('-r, --reboot', 'reboot afterwards')
    .option('--os <stateroot>', 'operate on this stateroot (default: the booted one)')
    .option('-C, --cache-only', 'do not pull; use only what the repository has')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(async (revisionArg: string, opts: { reboot?: boolean; os?: string; cacheOnly?: boolean; sysroot?: string }) => {
      rejectReboot(opts);
      const revision = parseRevision(revisionArg);
      const sysroot = await openSysroot(ctx, opts.sysroot);
      const base = baseDeployment(sysroot, opts.os);
      const { origin, refspec } = requireRefspec(base);
      const repo = await sysroot.repo();
      await fetchRefspec(repo, refspec, { pull: !opts.cacheOnly });
      const target = await fetchRevision(repo, refspec, revision, { pull: !opts.cacheOnly });
      if (target === base.checksum && origin.getString('origin', 'override-commit') === target) {
        ctx.stdout('No change.\n');
        return;
      }
      await deployLikeRpmOstree(ctx, sysroot, base, target, derivedOrigin(origin, { overrideCommit: target }));
    });
}
