import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree status` */
export function statusCommand(_ctx: CliContext): Command {
  return new Command('status')
    .summary('Show the deployments and which one is booted')
    .description('Show the deployments and which one is booted.')
    .option('-v, --verbose', 'print more fields')
    .option('--json', 'print rpm-ostree\'s JSON document')
    .option('-b, --booted', 'only the booted deployment')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(notImplemented('status'));
}
