import { Command } from 'commander';
import { InvalidArgumentError } from '@tsostree/errors';
import { isChecksum, resolveCommit } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree rev-parse` */
export function revParseCommand(ctx: CliContext): Command {
  return new Command('rev-parse')
    .summary('Print the checksum a ref or partial checksum names')
    .description('Print the checksum a ref or partial checksum names.')
    .argument('<rev>')
    .option('--repo <path>', 'path to the repository')
    .option('--single', 'only accept a checksum, not a ref')
    .action(async (rev: string, opts: { repo?: string; single?: boolean }) => {
      const repo = await openRepo(ctx, opts.repo);
      const checksum = await resolveCommit(repo, rev);
      if (opts.single && !checksum.startsWith(rev) && !isChecksum(rev)) {
        throw new InvalidArgumentError(`${rev} is not a checksum`);
      }
      ctx.stdout(`${checksum}\n`);
    });
}
