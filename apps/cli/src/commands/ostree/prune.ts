import { Command } from 'commander';
import { InvalidArgumentError } from '@tsostree/errors';
import { pruneRepo } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { parseTimestamp } from './ostree-format.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree prune` */
export function pruneCommand(ctx: CliContext): Command {
  return new Command('prune')
    .summary('Delete unreachable objects')
    .description('Delete unreachable objects.')
    .option('--repo <path>', 'path to the repository')
    .option('--refs-only', 'only keep objects reachable from refs')
    .option('--depth <n>', 'keep only N parents of each ref')
    .option('--keep-younger-than <date>', 'keep commits newer than this date')
    .option('--delete-commit <commit>', 'delete one commit')
    .option('--no-prune', 'only show what would be deleted')
    .action(
      async (opts: { repo?: string; refsOnly?: boolean; depth?: string; keepYoungerThan?: string; deleteCommit?: string; prune: boolean }) => {
        const repo = await openRepo(ctx, opts.repo);
        let depth: number | undefined;
        if (opts.depth !== undefined) {
          if (!/^-?\d+$/.test(opts.depth)) throw new InvalidArgumentError(`invalid --depth ${opts.depth}`);
          depth = Number(opts.depth);
        }
        const r = await pruneRepo(repo, {
          refsOnly: opts.refsOnly === true,
          noPrune: opts.prune === false,
          ...(depth !== undefined ? { depth } : {}),
          ...(opts.keepYoungerThan !== undefined ? { keepYoungerThan: parseTimestamp(opts.keepYoungerThan) } : {}),
          ...(opts.deleteCommit !== undefined ? { deleteCommit: opts.deleteCommit } : {}),
        });
        ctx.stdout(`Total objects: ${r.totalObjects}\n`);
        if (r.deleted === 0) ctx.stdout('No unreachable objects\n');
        else if (r.dryRun) ctx.stdout(`Would delete: ${r.deleted} objects, freeing ${r.freedBytes} bytes\n`);
        else ctx.stdout(`Deleted ${r.deleted} objects, ${r.freedBytes} bytes freed\n`);
      },
    );
}
