import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree gpg-sign` */
export function gpgSignCommand(_ctx: CliContext): Command {
  return new Command('gpg-sign')
    .summary('Sign a commit with OpenPGP')
    .description('Sign a commit with OpenPGP.')
    .argument('<commit>')
    .argument('<keyid...>')
    .option('--repo <path>', 'path to the repository')
    .option('--gpg-homedir <dir>', 'GnuPG home directory')
    .action(notImplemented('ostree gpg-sign'));
}
