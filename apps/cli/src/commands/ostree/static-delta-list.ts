import { Command } from 'commander';
import { listStaticDeltas } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree static-delta list` */
export function staticDeltaListCommand(ctx: CliContext): Command {
  return new Command('list')
    .summary('List static deltas')
    .description('List the static deltas stored in the repository (FROM-TO, or TO for a delta from scratch).')
    .option('--repo <path>', 'path to the repository')
    .action(async (opts: { repo?: string }) => {
      const deltas = await listStaticDeltas(await openRepo(ctx, opts.repo));
      if (deltas.length === 0) ctx.stdout('(No static deltas)\n');
      for (const d of deltas) ctx.stdout(`${d.name}\n`);
    });
}
