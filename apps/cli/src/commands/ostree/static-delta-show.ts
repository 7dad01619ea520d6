import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { notImplemented } from '../../not-implemented.js';

/** `tsostree ostree static-delta show` */
export function staticDeltaShowCommand(_ctx: CliContext): Command {
  return new Command('show')
    .summary('Describe a static delta')
    .description('Describe a static delta.')
    .argument('<delta>')
    .option('--repo <path>', 'path to the repository')
    .action(notImplemented('ostree static-delta show'));
}
