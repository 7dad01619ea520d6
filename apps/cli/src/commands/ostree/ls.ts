import { Command } from 'commander';
import { listTree } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { formatLsLine } from './ostree-format.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree ls` */
export function lsCommand(ctx: CliContext): Command {
  return new Command('ls')
    .summary('List file paths in a commit')
    .description('List file paths in a commit.')
    .argument('<commit>')
    .argument('[paths...]')
    .option('--repo <path>', 'path to the repository')
    .option('-d, --dironly', 'do not recurse into directory arguments')
    .option('-R, --recursive', 'recurse into directories')
    .option('-X, --xattrs', 'show extended attributes')
    .option('-C, --checksum', 'show object checksums')
    .action(
      async (
        rev: string,
        paths: string[],
        opts: { repo?: string; dironly?: boolean; recursive?: boolean; xattrs?: boolean; checksum?: boolean },
      ) => {
        const repo = await openRepo(ctx, opts.repo);
        for (const p of paths.length > 0 ? paths : ['/']) {
          for await (const e of listTree(repo, rev, p, { recursive: opts.recursive === true, directoryOnly: opts.dironly === true })) {
            ctx.stdout(formatLsLine(e, { checksum: opts.checksum === true, xattrs: opts.xattrs === true }));
          }
        }
      },
    );
}
