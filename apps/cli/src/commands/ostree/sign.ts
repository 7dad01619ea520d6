import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree sign` */
export function signCommand(_ctx: CliContext): Command {
  return new Command('sign')
    .summary('Sign a commit with ed25519')
    .description('Sign a commit with ed25519.')
    .argument('<commit>')
    .argument('[keys...]')
    .option('--repo <path>', 'path to the repository')
    .option('--verify', 'verify instead of signing')
    .option('-s, --sign-type <type>', 'signature type (ed25519)')
    .option('--keys-file <file>', 'read keys from this file')
    .action(notImplemented('ostree sign'));
}
