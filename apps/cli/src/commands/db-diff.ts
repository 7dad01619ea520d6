import { Command } from 'commander';
import { diffPackageLists, formatDiffBlock, formatDiffJson, formatDiffLines, readCommitPackages } from '@tsostree/compose';
import { InvalidArgumentError, NotFoundError } from '@tsostree/errors';
import { resolveCommit, type Repo } from '@tsostree/objstore';
import type { CliContext } from '../context.js';
import { openRepo } from './ostree/repo-option.js';
import { openSysroot } from './sysroot-option.js';

interface DbDiffOptions {
  format?: string;
  repo?: string;
  sysroot?: string;
}

interface Side {
  desc: string;
  checksum: string;
}

/** `tsostree db diff [FROM [TO]]` */
export function dbDiffCommand(ctx: CliContext): Command {
  return new Command('diff')
    .summary('Show the package changes between two commits')
    .description(
      'Show the package changes between two commits. Without TO, diff the booted deployment against FROM; ' +
        'without arguments, the booted deployment against the pending one (or the rollback one against the booted one).',
    )
    .argument('[from]')
    .argument('[to]')
    .option('-F, --format <fmt>', 'block (default), diff or json')
    .option('--repo <path>', "repository (default: the sysroot's)")
    .option('--sysroot <path>', 'system root for the booted/pending deployments (default /)')
    .action(async (from: string | undefined, to: string | undefined, opts: DbDiffOptions) => {
      const format = opts.format ?? 'block';
      if (!['block', 'diff', 'json'].includes(format)) {
        throw new InvalidArgumentError('Format argument is invalid, pick one of: diff, block, json');
      }
      let repo: Repo;
      let a: Side;
      let b: Side;
      if (from !== undefined && to !== undefined) {
        repo = opts.repo !== undefined ? await openRepo(ctx, opts.repo) : await (await openSysroot(ctx, opts.sysroot)).repo();
        a = { desc: from, checksum: await resolveCommit(repo, from) };
        b = { desc: to, checksum: await resolveCommit(repo, to) };
      } else {
        const sysroot = await openSysroot(ctx, opts.sysroot);
        repo = opts.repo !== undefined ? await openRepo(ctx, opts.repo) : await sysroot.repo();
        const booted = sysroot.booted;
        if (!booted) throw new NotFoundError('Not booted into any deployment');
        if (from !== undefined) {
          a = { desc: 'booted deployment', checksum: booted.checksum };
          b = { desc: from, checksum: await resolveCommit(repo, from) };
        } else {
          const { pending, rollback } = sysroot.queryDeploymentsFor(booted.stateroot);
          if (pending) {
            a = { desc: 'booted deployment', checksum: booted.checksum };
            b = { desc: 'pending deployment', checksum: pending.checksum };
          } else if (rollback) {
            a = { desc: 'rollback deployment', checksum: rollback.checksum };
            b = { desc: 'booted deployment', checksum: booted.checksum };
          } else {
            throw new NotFoundError('No pending or rollback deployment to diff against');
          }
        }
      }
      const [pa, pb] = await Promise.all([readCommitPackages(repo, a.checksum), readCommitPackages(repo, b.checksum)]);
      const diff = diffPackageLists(pa.packages, pb.packages);
      if (format === 'json') ctx.stdout(formatDiffJson(diff, a.checksum, b.checksum));
      else if (format === 'diff') ctx.stdout(formatDiffLines(diff, a, b));
      else ctx.stdout(formatDiffBlock(diff, a, b));
    });
}
