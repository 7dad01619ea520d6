import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree override replace` */
export function overrideReplaceCommand(_ctx: CliContext): Command {
  return new Command('replace')
    .summary('Replace base packages with other versions')
    .description('Replace base packages with other versions.')
    .argument('<packages...>')
    .action(notImplemented('override replace'));
}
