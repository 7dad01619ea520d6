import { Command } from 'commander';
import { InvalidArgumentError } from '@tsostree/errors';
import { pullLocal } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { progressPrinter, pullSummaryLine } from './pull.js';
import { cliPath, openRepo } from './repo-option.js';

/** `tsostree ostree pull-local` */
export function pullLocalCommand(ctx: CliContext): Command {
  return new Command('pull-local')
    .summary('Copy data from a local repository')
    .description('Copy data from a local repository.')
    .argument('<source>')
    .argument('[refs...]')
    .option('--repo <path>', 'path to the repository')
    .option('--remote <name>', 'write the refs as refs/remotes/NAME/…')
    .option('--depth <n>', 'traverse N parents (-1 = all)')
    .option('--commit-metadata-only', 'copy only commit objects')
    .action(async (source: string, refs: string[], opts: { repo?: string; remote?: string; depth?: string; commitMetadataOnly?: boolean }) => {
      let depth: number | undefined;
      if (opts.depth !== undefined) {
        depth = Number(opts.depth);
        if (!Number.isInteger(depth) || depth < -1) throw new InvalidArgumentError(`invalid --depth ${JSON.stringify(opts.depth)}`);
      }
      const repo = await openRepo(ctx, opts.repo);
      const started = Date.now();
      const onProgress = progressPrinter(ctx);
      const result = await pullLocal(repo, cliPath(ctx, source), {
        refs,
        ...(opts.remote ? { remote: opts.remote } : {}),
        ...(depth !== undefined ? { depth } : {}),
        commitMetadataOnly: opts.commitMetadataOnly === true,
        ...(onProgress ? { onProgress } : {}),
      });
      if (onProgress) ctx.stdout('\r\x1b[K');
      ctx.stdout(pullSummaryLine(result, (Date.now() - started) / 1000, 'copied'));
    });
}
