import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree compose tree` */
export function composeTreeCommand(_ctx: CliContext): Command {
  return new Command('tree')
    .summary('Compose a treefile into a commit')
    .description('Compose a treefile into a commit.')
    .argument('<treefile>')
    .option('--repo <path>', 'repository to commit into')
    .option('--cachedir <path>', 'cache for downloaded packages')
    .option('--write-commitid-to <file>', 'write the commit checksum here')
    .option('--add-metadata-string <k=v>', 'extra commit metadata (repeatable)')
    .option('--json', 'progress as JSON lines')
    .action(notImplemented('compose tree'));
}
