import { Command } from 'commander';
import { loadCommit } from '@tsostree/objstore';
import type { CliContext } from '../context.js';
import { ExitRequest } from '../exit-request.js';
import { commitVersion, formatUtcTimestamp } from './deployment-view.js';
import { derivedOrigin } from './revision.js';
import { EXIT_UNCHANGED, deployLikeRpmOstree, rejectReboot } from './rpm-ostree-common.js';
import { openSysroot } from './sysroot-option.js';
import { baseDeployment, checkNotOlder, fetchRefspec, requireRefspec } from './update-source.js';

interface UpgradeOpts {
  check?: boolean;
  preview?: boolean;
  unchangedExit77?: boolean;
  reboot?: boolean;
  os?: string;
  cacheOnly?: boolean;
  allowDowngrade?: boolean;
  sysroot?: string;
}

/** `tsostree upgrade` */
export function upgradeCommand(ctx: CliContext): Command {
  return new Command('upgrade')
    .summary("Pull and deploy the newest commit of the booted deployment's refspec")
    .description("Pull and deploy the newest commit of the booted deployment's refspec.")
    .option('--check', 'only check whether an upgrade is available (exit 77 if not)')
    .option('--preview', 'show what would change (like --check)')
    .option('--unchanged-exit-77', 'exit 77 when nothing changed')
    .option('-r, --reboot', 'reboot afterwards')
    .option('--os <stateroot>', 'operate on this stateroot (default: the booted one)')
    .option('-C, --cache-only', 'do not pull; use only what the repository has')
    .option('--allow-downgrade', 'permit deploying an older commit')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(async (opts: UpgradeOpts) => {
      rejectReboot(opts);
      const sysroot = await openSysroot(ctx, opts.sysroot);
      const base = baseDeployment(sysroot, opts.os);
      const { origin, refspec } = requireRefspec(base);
      const repo = await sysroot.repo();
      const head = await fetchRefspec(repo, refspec, { pull: !opts.cacheOnly });
      const pinnedToOverride = origin.getString('origin', 'override-commit') !== undefined;
      const unchanged = head === base.checksum && !pinnedToOverride;
      if (opts.check || opts.preview) {
        if (unchanged) {
          ctx.stdout('No updates available.\n');
          throw new ExitRequest(EXIT_UNCHANGED);
        }
        const commit = await loadCommit(repo, head);
        const version = commitVersion(commit);
        ctx.stdout('AvailableUpdate:\n');
        if (version !== undefined) ctx.stdout(`        Version: ${version} (${formatUtcTimestamp(commit.timestamp)})\n`);
        else ctx.stdout(`      Timestamp: ${formatUtcTimestamp(commit.timestamp)}\n`);
        ctx.stdout(`         Commit: ${head}\n`);
        return;
      }
      if (unchanged) {
        ctx.stdout('No upgrade available.\n');
        if (opts.unchangedExit77) throw new ExitRequest(EXIT_UNCHANGED);
        return;
      }
      if (!opts.allowDowngrade && head !== base.checksum) await checkNotOlder(repo, base.checksum, head);
      await deployLikeRpmOstree(ctx, sysroot, base, head, derivedOrigin(origin, { overrideCommit: null }));
    });
}
