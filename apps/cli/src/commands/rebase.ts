import { Command } from 'commander';
import { parseRefspec } from '@tsostree/objstore';
import type { CliContext } from '../context.js';
import { derivedOrigin, fetchRevision, parseRevision } from './revision.js';
import { deployLikeRpmOstree, rejectReboot } from './rpm-ostree-common.js';
import { openSysroot } from './sysroot-option.js';
import { baseDeployment, fetchRefspec, requireRefspec } from './update-source.js';

/** `REMOTE:` keeps the current branch on another remote; anything else is a full `[REMOTE:]REF`. */
export function rebaseTarget(current: string, arg: string): string {
  if (arg.endsWith(':')) return `${arg}${parseRefspec(current).ref}`;
  parseRefspec(arg);
  return arg;
}

/** `tsostree rebase` */
export function rebaseCommand(ctx: CliContext): Command {
  return new Command('rebase')
    .summary('Switch to a different branch or remote')
    .description('Switch to a different branch (REF), remote (REMOTE:) or both (REMOTE:REF), optionally at REVISION.')
    .argument('<refspec>')
    .argument('[revision]')
    .option('-r, --reboot', 'reboot afterwards')
    .option('--os <stateroot>', 'operate on this stateroot (default: the booted one)')
    .option('-C, --cache-only', 'do not pull; use only what the repository has')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(async (refspecArg: string, revisionArg: string | undefined, opts: { reboot?: boolean; os?: string; cacheOnly?: boolean; sysroot?: string }) => {
      rejectReboot(opts);
      const revision = revisionArg === undefined ? undefined : parseRevision(revisionArg);
      const sysroot = await openSysroot(ctx, opts.sysroot);
      const base = baseDeployment(sysroot, opts.os);
      const { origin, refspec } = requireRefspec(base);
      const target = rebaseTarget(refspec, refspecArg);
      const repo = await sysroot.repo();
      const head = await fetchRefspec(repo, target, { pull: !opts.cacheOnly });
      const commit = revision ? await fetchRevision(repo, target, revision, { pull: !opts.cacheOnly }) : head;
      await deployLikeRpmOstree(ctx, sysroot, base, commit, derivedOrigin(origin, { refspec: target, overrideCommit: revision ? commit : null }));
    });
}
