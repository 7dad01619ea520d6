import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree override remove` */
export function overrideRemoveCommand(_ctx: CliContext): Command {
  return new Command('remove')
    .summary('Remove base packages')
    .description('Remove base packages.')
    .argument('<packages...>')
    .option('--replace-with <pkg>', 'install a package in their place')
    .action(notImplemented('override remove'));
}
