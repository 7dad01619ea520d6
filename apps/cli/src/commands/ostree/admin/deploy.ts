import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { notImplemented } from '../../../not-implemented.js';

/** `tsostree ostree admin deploy` */
export function adminDeployCommand(_ctx: CliContext): Command {
  return new Command('deploy')
    .summary('Deploy a commit')
    .description('Deploy a commit.')
    .argument('<refspec>')
    .option('--sysroot <path>', 'sysroot (default /)')
    .option('--os <stateroot>', 'stateroot to deploy into')
    .option('--origin-file <file>', 'origin file to use')
    .option('--karg <karg>', 'kernel argument (repeatable)')
    .option('--karg-append <karg>', 'append a kernel argument')
    .option('--karg-proc-cmdline', 'use the running kernel\'s arguments')
    .option('--retain', 'keep every existing deployment')
    .option('--stage', 'finalize at shutdown')
    .option('--no-merge', 'do not merge /etc')
    .action(notImplemented('ostree admin deploy'));
}
