import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree rebase` */
export function rebaseCommand(_ctx: CliContext): Command {
  return new Command('rebase')
    .summary('Switch to a different branch or remote')
    .description('Switch to a different branch or remote.')
    .argument('<refspec>')
    .argument('[revision]')
    .option('-r, --reboot', 'reboot afterwards')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(notImplemented('rebase'));
}
