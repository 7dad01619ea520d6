import { Command } from 'commander';
import { CorruptError } from '@tsostree/errors';
import { fsckRepo } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree fsck` */
export function fsckCommand(ctx: CliContext): Command {
  return new Command('fsck')
    .summary('Check the repository for consistency')
    .description('Check the repository for consistency: re-hash every object reachable from every commit.')
    .option('--repo <path>', 'path to the repository')
    .option('--delete', 'remove corrupted objects and mark their commits partial')
    .option('--quiet', 'only print errors')
    .option('--add-tombstones', 'add tombstones for commits whose parent is missing (deletes those commits)')
    .action(async (opts: { repo?: string; delete?: boolean; quiet?: boolean; addTombstones?: boolean }) => {
      const repo = await openRepo(ctx, opts.repo);
      const say = (t: string): void => {
        if (!opts.quiet) ctx.stdout(t);
      };
      say('Validating refs...\nEnumerating commits...\n');
      const r = await fsckRepo(repo, { delete: opts.delete === true, addTombstones: opts.addTombstones === true });
      say(`Verifying content integrity of ${r.commits} commit objects...\n`);
      for (const p of r.problems) {
        ctx.stdout(`${p.code}: ${p.checksum}.${p.type}: ${p.message} (in commits ${p.commits.join(', ')})\n`);
      }
      for (const c of r.partialCommits) ctx.stdout(`Marking commit as partial: ${c}\n`);
      for (const c of r.tombstoned) ctx.stdout(`Adding tombstone for commit ${c}\n`);
      if (r.skippedPartial.length > 0) say(`${r.skippedPartial.length} partial commits not verified\n`);
      if (r.problems.length > 0) {
        throw new CorruptError(`Repository corruption encountered: ${r.problems.length} damaged or missing objects`, {
          data: { problems: r.problems.map((p) => ({ checksum: p.checksum, type: p.type, code: p.code })) },
        });
      }
      say(`object fsck of ${r.commits} commits completed successfully - no errors found.\n`);
    });
}
