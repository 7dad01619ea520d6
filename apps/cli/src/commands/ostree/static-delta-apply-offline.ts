import { Command } from 'commander';
import { applyStaticDeltaOffline } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { cliPath, openRepo } from './repo-option.js';

/** `tsostree ostree static-delta apply-offline PATH` */
export function staticDeltaApplyOfflineCommand(ctx: CliContext): Command {
  return new Command('apply-offline')
    .summary('Apply a static delta file')
    .description(
      'Apply a static delta from a delta directory (superblock + parts) or a superblock file. Every part and every ' +
        'object is checksum-verified; the commit is written last, and no ref moves.',
    )
    .argument('<path>')
    .option('--repo <path>', 'path to the repository')
    .action(async (path: string, opts: { repo?: string }) => {
      const repo = await openRepo(ctx, opts.repo);
      await applyStaticDeltaOffline(repo, cliPath(ctx, path));
    });
}
