import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree override reset` */
export function overrideResetCommand(_ctx: CliContext): Command {
  return new Command('reset')
    .summary('Reset active overrides')
    .description('Reset active overrides.')
    .argument('[packages...]')
    .option('--all', 'reset every override')
    .action(notImplemented('override reset'));
}
