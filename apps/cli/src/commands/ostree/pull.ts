import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree pull` */
export function pullCommand(_ctx: CliContext): Command {
  return new Command('pull')
    .summary('Download data from a remote repository')
    .description('Download data from a remote repository.')
    .argument('<remote>')
    .argument('[refs...]')
    .option('--repo <path>', 'path to the repository')
    .option('--depth <n>', 'traverse N parents')
    .option('--commit-metadata-only', 'fetch only commit objects')
    .option('--mirror', 'write refs as a mirror')
    .option('--subpath <path>', 'only this sub-directory')
    .option('--disable-static-deltas', 'never use static deltas')
    .action(notImplemented('ostree pull'));
}
