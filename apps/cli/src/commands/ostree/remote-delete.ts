import { Command } from 'commander';
import { deleteRemote } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree remote delete` */
export function remoteDeleteCommand(ctx: CliContext): Command {
  return new Command('delete')
    .summary('Delete a remote')
    .description('Delete a remote.')
    .argument('<name>')
    .option('--repo <path>', 'path to the repository')
    .option('--if-exists', 'do nothing if it does not exist')
    .action(async (name: string, opts: { repo?: string; ifExists?: boolean }) => {
      await deleteRemote(await openRepo(ctx, opts.repo), name, { ifExists: opts.ifExists === true });
    });
}
