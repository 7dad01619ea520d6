import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree pull-local` */
export function pullLocalCommand(_ctx: CliContext): Command {
  return new Command('pull-local')
    .summary('Copy data from a local repository')
    .description('Copy data from a local repository.')
    .argument('<source>')
    .argument('[refs...]')
    .option('--repo <path>', 'path to the repository')
    .option('--depth <n>', 'traverse N parents')
    .action(notImplemented('ostree pull-local'));
}
