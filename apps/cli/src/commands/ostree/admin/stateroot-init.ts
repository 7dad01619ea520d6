import { Command } from 'commander';
import { initStateroot } from '@tsostree/sysroot';
import type { CliContext } from '../../../context.js';
import { assertSysrootDirectory, sysrootPath } from '../../sysroot-option.js';

/** `tsostree ostree admin stateroot-init` */
export function adminStaterootInitCommand(ctx: CliContext): Command {
  return new Command('stateroot-init')
    .summary('Create a stateroot')
    .description('Create a stateroot.')
    .argument('<stateroot>')
    .option('--sysroot <path>', 'sysroot (default /)')
    .action(async (stateroot: string, opts: { sysroot?: string }) => {
      const root = sysrootPath(ctx, opts.sysroot);
      await assertSysrootDirectory(root, false);
      await initStateroot(root, stateroot);
      ctx.stdout(`ostree/deploy/${stateroot} initialized as OSTree root\n`);
    });
}
