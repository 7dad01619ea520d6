import { Command } from 'commander';
import { initFs } from '@tsostree/sysroot';
import type { CliContext } from '../../../context.js';
import { assertSysrootDirectory } from '../../sysroot-option.js';
import { cliPath } from '../repo-option.js';

/** `tsostree ostree admin init-fs` */
export function adminInitFsCommand(ctx: CliContext): Command {
  return new Command('init-fs')
    .summary('Create the sysroot skeleton in a directory')
    .description('Create the sysroot skeleton in a directory.')
    .argument('<path>')
    .option('--sysroot <path>', 'ignored, like ostree (the path argument is the sysroot)')
    .option('--modern', 'only create /boot and /sysroot')
    .action(async (path: string, opts: { modern?: boolean }) => {
      // Like ostree, the directory must exist already.
      const root = cliPath(ctx, path);
      await assertSysrootDirectory(root, false, '');
      await initFs(root, { modern: opts.modern === true });
    });
}
