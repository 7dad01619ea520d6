import { basename } from 'node:path';
import { Command } from 'commander';
import { checkoutCommit } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { cliPath, openRepo } from './repo-option.js';

/** `tsostree ostree checkout` */
export function checkoutCommand(ctx: CliContext): Command {
  return new Command('checkout')
    .summary('Check out a commit into a filesystem tree')
    .description('Check out a commit into a filesystem tree.')
    .argument('<commit>')
    .argument('[destination]')
    .option('--repo <path>', 'path to the repository')
    .option('-U, --user-mode', 'do not change file ownership or xattrs')
    .option('--union', 'keep existing files, overwriting from the commit')
    .option('--subpath <path>', 'check out a sub-directory')
    .option('-C, --force-copy', 'never hardlink')
    .option('-H, --require-hardlinks', 'fail if hardlinks cannot be used')
    .action(
      async (
        commit: string,
        destination: string | undefined,
        opts: { repo?: string; userMode?: boolean; union?: boolean; subpath?: string; forceCopy?: boolean },
      ) => {
        const repo = await openRepo(ctx, opts.repo);
        const dest = cliPath(ctx, destination ?? basename(commit));
        await checkoutCommit(repo, commit, dest, {
          userMode: opts.userMode === true,
          union: opts.union === true,
          forceCopy: opts.forceCopy === true,
          ...(opts.subpath !== undefined ? { subpath: opts.subpath } : {}),
        });
      },
    );
}
