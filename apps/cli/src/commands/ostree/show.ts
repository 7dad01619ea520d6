import { Command } from 'commander';
import { NotFoundError } from '@tsostree/errors';
import { loadCommit, resolveCommit } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { formatCommit, printGVariant } from './ostree-format.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree show` */
export function showCommand(ctx: CliContext): Command {
  return new Command('show')
    .summary('Show a commit')
    .description('Show a commit.')
    .argument('<object>')
    .option('--repo <path>', 'path to the repository')
    .option('--print-metadata-key <key>', 'print one metadata value')
    .action(async (rev: string, opts: { repo?: string; printMetadataKey?: string }) => {
      const repo = await openRepo(ctx, opts.repo);
      const checksum = await resolveCommit(repo, rev);
      const commit = await loadCommit(repo, checksum);
      if (opts.printMetadataKey !== undefined) {
        const entry = commit.metadata.find(([k]) => k === opts.printMetadataKey);
        if (!entry) throw new NotFoundError(`No such metadata key '${opts.printMetadataKey}'`);
        ctx.stdout(`${printGVariant(entry[1].type, entry[1].value)}\n`);
        return;
      }
      ctx.stdout(formatCommit(checksum, commit));
    });
}
