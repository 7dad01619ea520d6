import { Command } from 'commander';
import { readCommitPackages, rpmdbVersion } from '@tsostree/compose';
import { InvalidArgumentError } from '@tsostree/errors';
import { resolveCommit } from '@tsostree/objstore';
import type { CliContext } from '../context.js';
import { openRepo } from './ostree/repo-option.js';
import { openSysroot } from './sysroot-option.js';

/** `tsostree db version COMMIT…` */
export function dbVersionCommand(ctx: CliContext): Command {
  return new Command('version')
    .summary('Show the rpmdb version of a commit')
    .description('Show the rpmdb version of commits: the package count and a SHA-256 over their sorted NEVRAs, read from the rpm database in the tree.')
    .argument('[revisions...]')
    .option('--repo <path>', "repository (default: the sysroot's)")
    .option('--sysroot <path>', 'system root whose repository to use (default /)')
    .action(async (revs: string[], opts: { repo?: string; sysroot?: string }) => {
      if (revs.length === 0) throw new InvalidArgumentError('db version needs at least one commit');
      const repo = opts.repo !== undefined ? await openRepo(ctx, opts.repo) : await (await openSysroot(ctx, opts.sysroot)).repo();
      for (const rev of revs) {
        const checksum = await resolveCommit(repo, rev);
        // like rpm-ostree, from the rpm database in the tree (the pkglist metadata only when the tree has none)
        const { packages } = await readCommitPackages(repo, checksum, { preferRpmdb: true }).catch(() => readCommitPackages(repo, checksum));
        ctx.stdout(`ostree commit: ${rev === checksum ? rev : `${rev} (${checksum})`}\n  rpmdbv is: ${rpmdbVersion(packages).padStart(66)}\n`);
      }
    });
}
