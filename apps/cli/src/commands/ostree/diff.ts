import { Command } from 'commander';
import { diffCommits } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree diff` */
export function diffCommand(ctx: CliContext): Command {
  return new Command('diff')
    .summary('Compare two commits')
    .description('Compare two commits (or a commit and its parent).')
    .argument('<from>')
    .argument('[to]')
    .option('--repo <path>', 'path to the repository')
    .option('--stats', 'print statistics')
    .action(async (from: string, to: string | undefined, opts: { repo?: string; stats?: boolean }) => {
      const repo = await openRepo(ctx, opts.repo);
      const [a, b] = to === undefined ? [`${from}^`, from] : [from, to];
      const d = await diffCommits(repo, a, b);
      for (const p of d.modified) ctx.stdout(`M    ${p}\n`);
      for (const p of d.removed) ctx.stdout(`D    ${p}\n`);
      for (const p of d.added) ctx.stdout(`A    ${p}\n`);
      if (opts.stats) {
        ctx.stdout(`modified: ${d.modified.length}\nremoved: ${d.removed.length}\nadded: ${d.added.length}\n`);
      }
    });
}
