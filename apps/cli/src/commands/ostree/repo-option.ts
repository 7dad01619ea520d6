import { isAbsolute, resolve } from 'node:path';
import { InvalidArgumentError } from '@tsostree/errors';
import { Repo } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';

/** Collects a repeatable option into an array (commander argParser). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The repository path of an `ostree` verb: `--repo`, else `$OSTREE_REPO`, like ostree. */
export function repoPath(ctx: CliContext, repo: string | undefined): string {
  const p = repo ?? ctx.env.OSTREE_REPO;
  if (p === undefined || p === '') throw new InvalidArgumentError('Command requires a --repo argument');
  return isAbsolute(p) ? p : resolve(ctx.cwd, p);
}

export function openRepo(ctx: CliContext, repo: string | undefined): Promise<Repo> {
  return Repo.open(repoPath(ctx, repo));
}

/** A path argument resolved against the CLI's working directory. */
export function cliPath(ctx: CliContext, p: string): string {
  return isAbsolute(p) ? p : resolve(ctx.cwd, p);
}
