import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree commit` */
export function commitCommand(_ctx: CliContext): Command {
  return new Command('commit')
    .summary('Commit a new revision')
    .description('Commit a new revision.')
    .argument('[path]')
    .option('--repo <path>', 'path to the repository')
    .option('-b, --branch <ref>', 'branch')
    .option('-s, --subject <text>', 'one-line subject')
    .option('-m, --body <text>', 'full description')
    .option('--tree <spec>', 'dir=PATH, tar=… or ref=REV (repeatable)')
    .option('--add-metadata-string <k=v>', 'metadata string (repeatable)')
    .option('--timestamp <time>', 'override the timestamp')
    .option('--owner-uid <uid>', 'set the owner of every file')
    .option('--owner-gid <gid>', 'set the group of every file')
    .option('--canonical-permissions', 'canonicalize permissions like bare-user-only')
    .option('--skip-if-unchanged', 'do not commit if the tree is unchanged')
    .option('--parent <commit>', 'parent commit (none for no parent)')
    .action(notImplemented('ostree commit'));
}
