import { Command } from 'commander';
import { loadCommit, resolveCommit } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { formatCommit } from './ostree-format.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree log` */
export function logCommand(ctx: CliContext): Command {
  return new Command('log')
    .summary('Show the history of a ref')
    .description('Show the history of a ref.')
    .argument('<ref>')
    .option('--repo <path>', 'path to the repository')
    .action(async (ref: string, opts: { repo?: string }) => {
      const repo = await openRepo(ctx, opts.repo);
      let checksum: string | null = await resolveCommit(repo, ref);
      while (checksum) {
        let commit;
        try {
          commit = await loadCommit(repo, checksum);
        } catch (error) {
          if ((error as { code?: string }).code === 'NotFound') {
            ctx.stdout(`<< History beyond this commit not fetched >>\n`);
            return;
          }
          throw error;
        }
        ctx.stdout(formatCommit(checksum, commit));
        checksum = commit.parent;
      }
    });
}
