import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { notImplemented } from '../../../not-implemented.js';

/** `tsostree ostree admin config-diff` */
export function adminConfigDiffCommand(_ctx: CliContext): Command {
  return new Command('config-diff')
    .summary('Show the changes of /etc against its defaults')
    .description('Show the changes of /etc against its defaults.')
    .option('--sysroot <path>', 'sysroot (default /)')
    .option('--os <stateroot>', 'stateroot')
    .action(notImplemented('ostree admin config-diff'));
}
