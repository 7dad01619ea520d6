import { Command } from 'commander';
import { NotFoundError } from '@tsostree/errors';
import { GPG_METADATA_KEY, getRemote, loadCommit, loadRemoteGpgKeys, readDetachedMetadata, readMetadataObject, resolveCommit, signaturesIn, verifyGpgSignatures, type Repo } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { formatCommit, printGVariant } from './ostree-format.js';
import { formatGpgSignatures, inLocaleCharset, keysFromKeyringDir } from './gpg-format.js';
import { cliPath, openRepo } from './repo-option.js';

interface ShowOpts {
  repo?: string;
  printMetadataKey?: string;
  printDetachedMetadataKey?: string;
  gpgHomedir?: string;
  gpgVerifyRemote?: string;
}

/**
 * The GPG part of `ostree show`: nothing for an unsigned commit, else every signature checked
 * against the remote's keys (`--gpg-verify-remote`) or the global keyring directory plus the
 * keyrings of `--gpg-homedir` (ostree_repo_verify_commit_ext).
 */
async function signatureSection(ctx: CliContext, repo: Repo, checksum: string, commitBytes: Uint8Array, opts: ShowOpts): Promise<string> {
  const sigs = signaturesIn(await readDetachedMetadata(repo, checksum), GPG_METADATA_KEY);
  if (sigs.length === 0) return '';
  const system = { keysRoot: '/', ...(ctx.env.OSTREE_GPG_HOME ? { gpgHome: ctx.env.OSTREE_GPG_HOME } : {}) };
  const keys = opts.gpgVerifyRemote !== undefined
    ? (await loadRemoteGpgKeys(repo, getRemote(repo, opts.gpgVerifyRemote), system)).keys
    : [...(await loadRemoteGpgKeys(repo, undefined, system)).keys, ...(opts.gpgHomedir !== undefined ? await keysFromKeyringDir(cliPath(ctx, opts.gpgHomedir)) : [])];
  return inLocaleCharset(formatGpgSignatures(await verifyGpgSignatures(commitBytes, sigs, keys)), ctx.env);
}

/** `tsostree ostree show` */
export function showCommand(ctx: CliContext): Command {
  return new Command('show')
    .summary('Show a commit')
    .description('Show a commit.')
    .argument('<object>')
    .option('--repo <path>', 'path to the repository')
    .option('--print-metadata-key <key>', 'print one metadata value')
    .option('--print-detached-metadata-key <key>', 'print one detached metadata value')
    .option('--gpg-homedir <dir>', 'GPG homedir to use when looking for keyrings')
    .option('--gpg-verify-remote <remote>', 'use REMOTE name for GPG configuration')
    .action(async (rev: string, opts: ShowOpts) => {
      const repo = await openRepo(ctx, opts.repo);
      const checksum = await resolveCommit(repo, rev);
      const commit = await loadCommit(repo, checksum);
      if (opts.printMetadataKey !== undefined) {
        const entry = commit.metadata.find(([k]) => k === opts.printMetadataKey);
        if (!entry) throw new NotFoundError(`No such metadata key '${opts.printMetadataKey}'`);
        ctx.stdout(`${printGVariant(entry[1].type, entry[1].value)}\n`);
        return;
      }
      if (opts.printDetachedMetadataKey !== undefined) {
        const entry = (await readDetachedMetadata(repo, checksum))?.find(([k]) => k === opts.printDetachedMetadataKey);
        if (!entry) throw new NotFoundError(`No such metadata key '${opts.printDetachedMetadataKey}'`);
        ctx.stdout(`${printGVariant(entry[1].type, entry[1].value)}\n`);
        return;
      }
      ctx.stdout(formatCommit(checksum, commit));
      ctx.stdout(await signatureSection(ctx, repo, checksum, await readMetadataObject(repo, 'commit', checksum), opts));
    });
}
