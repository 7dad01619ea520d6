import { Command } from 'commander';
import { InvalidArgumentError } from '@tsostree/errors';
import { listRefs, loadCommit, parseRefspec, resolveCommit, writeRef } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree refs` */
export function refsCommand(ctx: CliContext): Command {
  return new Command('refs')
    .summary('List, create or delete refs')
    .description('List, create or delete refs.')
    .argument('[prefix...]')
    .option('--repo <path>', 'path to the repository')
    .option('--delete', 'delete the matching refs')
    .option('--create <ref>', 'create a ref pointing at the given commit')
    .option('--force', 'overwrite an existing ref with --create')
    .option('--list', 'list refs')
    .action(async (prefixes: string[], opts: { repo?: string; delete?: boolean; create?: string; force?: boolean }) => {
      const repo = await openRepo(ctx, opts.repo);
      if (opts.create !== undefined) {
        if (prefixes.length !== 1) throw new InvalidArgumentError('--create requires exactly one existing commit or ref');
        const spec = parseRefspec(opts.create);
        const all = await listRefs(repo);
        if (all.has(opts.create) && !opts.force) {
          throw new InvalidArgumentError(`--create specified but ref ${opts.create} already exists`);
        }
        const checksum = await resolveCommit(repo, prefixes[0]!);
        await loadCommit(repo, checksum);
        await writeRef(repo, spec, checksum);
        return;
      }
      const all = await listRefs(repo);
      const wanted = prefixes.length === 0 ? [...all.keys()] : [...all.keys()].filter((k) => prefixes.some((p) => k.startsWith(p)));
      if (opts.delete) {
        if (prefixes.length === 0) throw new InvalidArgumentError('At least one PREFIX is required when deleting refs');
        for (const k of wanted) await writeRef(repo, k, null);
        return;
      }
      for (const k of wanted) ctx.stdout(`${k}\n`);
    });
}
