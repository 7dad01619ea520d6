import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree ls` */
export function lsCommand(_ctx: CliContext): Command {
  return new Command('ls')
    .summary('List the file paths of a commit')
    .description('List the file paths of a commit.')
    .argument('<commit>')
    .argument('[paths...]')
    .option('--repo <path>', 'path to the repository')
    .option('-R, --recursive', 'recurse into directories')
    .option('-X, --xattrs', 'show extended attributes')
    .option('-C, --checksum', 'show object checksums')
    .action(notImplemented('ostree ls'));
}
