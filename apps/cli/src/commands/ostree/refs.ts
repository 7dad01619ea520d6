import { Command } from 'commander';
import { InvalidArgumentError } from '@tsostree/errors';
import { createRefAlias, listRefAliases, listRefs, loadCommit, parseRefspec, resolveCommit, writeRef } from '@tsostree/objstore';
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
    .option('-A, --alias', 'with --create, create an alias of an existing ref; otherwise list aliases')
    .action(async (prefixes: string[], opts: { repo?: string; delete?: boolean; create?: string; force?: boolean; alias?: boolean; list?: boolean }) => {
      const repo = await openRepo(ctx, opts.repo);
      if (opts.alias && opts.create !== undefined) {
        if (prefixes.length !== 1) throw new InvalidArgumentError('--create requires exactly one existing ref');
        await createRefAlias(repo, opts.create, prefixes[0]!);
        return;
      }
      if (opts.alias) {
        for (const [alias, target] of await listRefAliases(repo)) {
          if (prefixes.length === 0 || prefixes.some((p) => alias === p || alias.startsWith(`${p}/`))) ctx.stdout(`${alias} -> ${target}\n`);
        }
        return;
      }
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
      // Like ostree, a PREFIX is a ref (printed in full) or a directory of refs (printed relative to it).
      const matches = (name: string, p: string): boolean => name === p || name.startsWith(p.endsWith(':') ? p : `${p}/`);
      // `--list` keeps full names; a remote prefix keeps its `remote:` part (`origin:os` → `origin:main`).
      const shown = (name: string, p: string): string => {
        if (opts.list || name === p || p.endsWith(':')) return name;
        const colon = p.indexOf(':');
        return colon < 0 ? name.slice(p.length + 1) : `${p.slice(0, colon + 1)}${name.slice(p.length + 1)}`;
      };
      if (opts.delete) {
        if (prefixes.length === 0) throw new InvalidArgumentError('At least one PREFIX is required when deleting refs');
        for (const k of [...all.keys()].filter((k) => prefixes.some((p) => matches(k, p)))) await writeRef(repo, k, null);
        return;
      }
      if (prefixes.length === 0) {
        for (const k of all.keys()) ctx.stdout(`${k}\n`);
        return;
      }
      for (const p of prefixes) for (const k of all.keys()) if (matches(k, p)) ctx.stdout(`${shown(k, p)}\n`);
    });
}
