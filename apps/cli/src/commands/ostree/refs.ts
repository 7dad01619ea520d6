import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree refs` */
export function refsCommand(_ctx: CliContext): Command {
  return new Command('refs')
    .summary('List, create or delete refs')
    .description('List, create or delete refs.')
    .argument('[prefix]')
    .option('--repo <path>', 'path to the repository')
    .option('--delete', 'delete the matching refs')
    .option('--create <ref>', 'create a ref pointing at the given commit')
    .option('--alias', 'list or create aliases')
    .option('--list', 'list refs')
    .action(notImplemented('ostree refs'));
}
