import { Command } from 'commander';
import { Repo, parseRepoMode } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { repoPath } from './repo-option.js';

/** `tsostree ostree init` */
export function initCommand(ctx: CliContext): Command {
  return new Command('init')
    .summary('Initialize a new empty repository')
    .description('Initialize a new empty repository.')
    .option('--repo <path>', 'path to the repository')
    .option('--mode <mode>', 'bare, bare-user, bare-user-only or archive (default bare)')
    .option('--collection-id <id>', 'collection ID')
    .action(async (opts: { repo?: string; mode?: string; collectionId?: string }) => {
      await Repo.init(repoPath(ctx, opts.repo), {
        mode: parseRepoMode(opts.mode ?? 'bare'),
        ...(opts.collectionId === undefined ? {} : { collectionId: opts.collectionId }),
      });
    });
}
