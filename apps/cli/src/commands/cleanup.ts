import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree cleanup` */
export function cleanupCommand(_ctx: CliContext): Command {
  return new Command('cleanup')
    .summary('Remove rollback, pending or cached data')
    .description('Remove rollback, pending or cached data.')
    .option('-p, --pending', 'remove the pending deployment')
    .option('-r, --rollback', 'remove the rollback deployment')
    .option('-b, --base', 'free space by pruning the repository')
    .option('-m, --repomd', 'delete cached rpm-md data')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(notImplemented('cleanup'));
}
