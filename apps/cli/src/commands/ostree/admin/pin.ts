import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { notImplemented } from '../../../not-implemented.js';

/** `tsostree ostree admin pin` */
export function adminPinCommand(_ctx: CliContext): Command {
  return new Command('pin')
    .summary('Keep a deployment from being garbage collected')
    .description('Keep a deployment from being garbage collected.')
    .argument('<index...>')
    .option('--sysroot <path>', 'sysroot (default /)')
    .option('-u, --unpin', 'remove the pin')
    .action(notImplemented('ostree admin pin'));
}
