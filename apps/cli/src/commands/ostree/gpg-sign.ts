import { Command } from 'commander';
import { InvalidArgumentError } from '@tsostree/errors';
import { gpgDeleteCommitSignatures, gpgSignCommit } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { gpgSecretKeysFromHomedir } from './gpg-homedir.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree gpg-sign` */
export function gpgSignCommand(ctx: CliContext): Command {
  return new Command('gpg-sign')
    .summary('Sign a commit with OpenPGP')
    .description('Sign a commit with OpenPGP: appends a detached signature per KEY-ID to the commit\'s ostree.gpgsigs.')
    .argument('<commit>')
    .argument('[keyid...]')
    .option('--repo <path>', 'path to the repository')
    .option('-d, --delete', 'delete signatures having any of the GPG KEY-IDs')
    .option('--gpg-homedir <dir>', 'GPG homedir to use when looking for keyrings')
    .action(async (commit: string, keyIds: string[], opts: { repo?: string; delete?: boolean; gpgHomedir?: string }) => {
      if (keyIds.length === 0) throw new InvalidArgumentError('Need at least one GPG KEY-ID to sign with');
      const repo = await openRepo(ctx, opts.repo);
      if (opts.delete) {
        const n = await gpgDeleteCommitSignatures(repo, commit, keyIds);
        ctx.stdout(`Signatures deleted: ${n}\n`);
        return;
      }
      const keys = await gpgSecretKeysFromHomedir(ctx, opts.gpgHomedir, keyIds);
      await gpgSignCommit(repo, commit, keys);
    });
}
