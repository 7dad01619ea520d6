import { Command } from 'commander';
import { getRemote, listRemotes } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree remote list` */
export function remoteListCommand(ctx: CliContext): Command {
  return new Command('list')
    .summary('List remotes')
    .description('List remotes.')
    .option('--repo <path>', 'path to the repository')
    .option('-u, --show-urls', 'show URLs')
    .action(async (opts: { repo?: string; showUrls?: boolean }) => {
      const repo = await openRepo(ctx, opts.repo);
      const names = listRemotes(repo);
      const width = Math.max(0, ...names.map((n) => n.length));
      for (const name of names) {
        if (opts.showUrls) ctx.stdout(`${name.padEnd(width)}  ${getRemote(repo, name).url}\n`);
        else ctx.stdout(`${name}\n`);
      }
    });
}
