import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree upgrade` */
export function upgradeCommand(_ctx: CliContext): Command {
  return new Command('upgrade')
    .summary('Pull and deploy the newest commit of the booted deployment\'s refspec')
    .description('Pull and deploy the newest commit of the booted deployment\'s refspec.')
    .option('--check', 'only check whether an upgrade is available')
    .option('--preview', 'show what would change')
    .option('--unchanged-exit-77', 'exit 77 when nothing changed')
    .option('-r, --reboot', 'reboot afterwards')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(notImplemented('upgrade'));
}
