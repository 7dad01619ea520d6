import { Command } from 'commander';
import { formatPackageList, packageEntryNevra, readCommitPackages } from '@tsostree/compose';
import { InvalidArgumentError } from '@tsostree/errors';
import { resolveCommit, type Repo } from '@tsostree/objstore';
import type { CliContext } from '../context.js';
import { openRepo } from './ostree/repo-option.js';
import { openSysroot } from './sysroot-option.js';

/** fnmatch-style glob (`*`, `?`, `[…]`) → RegExp. */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'u');
}

/** `tsostree db list [REV…] [PREFIX-PKGNAME…]` */
export function dbListCommand(ctx: CliContext): Command {
  return new Command('list')
    .summary('List the packages in a commit')
    .description(
      'List the packages in one or more commits. Arguments after the first one that is not a commit are package ' +
        'name patterns (globs, or a name-version prefix).',
    )
    .argument('[revisions...]')
    .option('--repo <path>', "repository (default: the sysroot's)")
    .option('--sysroot <path>', 'system root whose repository to use (default /)')
    .action(async (args: string[], opts: { repo?: string; sysroot?: string }) => {
      const repo: Repo = opts.repo !== undefined ? await openRepo(ctx, opts.repo) : await (await openSysroot(ctx, opts.sysroot)).repo();
      const revs: { rev: string; checksum: string }[] = [];
      let patterns: string[] | undefined;
      for (const arg of args) {
        if (patterns) {
          patterns.push(arg);
          continue;
        }
        const checksum = await resolveCommit(repo, arg).catch(() => undefined);
        if (checksum === undefined) patterns = [arg];
        else revs.push({ rev: arg, checksum });
      }
      if (revs.length === 0) throw new InvalidArgumentError('db list needs at least one commit (a checksum, a prefix of one, or a ref)');
      const matchers = patterns?.map((p) => ({ p, re: globRegExp(p) }));
      for (const { rev, checksum } of revs) {
        const { packages } = await readCommitPackages(repo, checksum);
        const shown = matchers
          ? packages.filter((pkg) => matchers.some(({ p, re }) => re.test(pkg.name) || packageEntryNevra(pkg).startsWith(p)))
          : packages;
        ctx.stdout(formatPackageList(shown, rev, checksum));
      }
    });
}
