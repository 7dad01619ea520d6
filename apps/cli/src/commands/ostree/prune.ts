import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree prune` */
export function pruneCommand(_ctx: CliContext): Command {
  return new Command('prune')
    .summary('Delete unreachable objects')
    .description('Delete unreachable objects.')
    .option('--repo <path>', 'path to the repository')
    .option('--refs-only', 'only keep objects reachable from refs')
    .option('--depth <n>', 'keep only N parents of each ref')
    .option('--keep-younger-than <date>', 'keep commits newer than this date')
    .option('--delete-commit <commit>', 'delete one commit')
    .option('--no-prune', 'only show what would be deleted')
    .action(notImplemented('ostree prune'));
}
