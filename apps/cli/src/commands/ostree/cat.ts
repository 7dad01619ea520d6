import { Command } from 'commander';
import { catFile } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree cat` */
export function catCommand(ctx: CliContext): Command {
  return new Command('cat')
    .summary('Concatenate files from a commit')
    .description('Concatenate files from a commit.')
    .argument('<commit>')
    .argument('<paths...>')
    .option('--repo <path>', 'path to the repository')
    .action(async (rev: string, paths: string[], opts: { repo?: string }) => {
      const repo = await openRepo(ctx, opts.repo);
      for (const p of paths) {
        for await (const chunk of await catFile(repo, rev, p)) ctx.stdout(Buffer.from(chunk as Buffer).toString('latin1'));
      }
    });
}
