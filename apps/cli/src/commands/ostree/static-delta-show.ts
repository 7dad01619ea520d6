import { Command } from 'commander';
import { showStaticDelta } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { openRepo } from './repo-option.js';

/** `tsostree ostree static-delta show DELTA` */
export function staticDeltaShowCommand(ctx: CliContext): Command {
  return new Command('show')
    .summary('Describe a static delta')
    .description('Describe a static delta: endianness, fallbacks, and per part its objects, sizes and operation counts (ostree\'s format).')
    .argument('<delta>')
    .option('--repo <path>', 'path to the repository')
    .action(async (delta: string, opts: { repo?: string }) => {
      ctx.stdout(await showStaticDelta(await openRepo(ctx, opts.repo), delta));
    });
}
