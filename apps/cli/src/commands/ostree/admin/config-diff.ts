import { join } from 'node:path';
import { Command } from 'commander';
import { NotFoundError } from '@tsostree/errors';
import { diffEtc, formatConfigDiff } from '@tsostree/etc-merge';
import type { CliContext } from '../../../context.js';
import { openSysroot } from '../../sysroot-option.js';

/** `tsostree ostree admin config-diff` */
export function adminConfigDiffCommand(ctx: CliContext): Command {
  return new Command('config-diff')
    .summary('Show the changes of /etc against its defaults')
    .description('Show the changes of /etc against its defaults.')
    .option('--sysroot <path>', 'sysroot (default /)')
    .option('--os <stateroot>', 'stateroot')
    .action(async (opts: { sysroot?: string; os?: string }) => {
      const sysroot = await openSysroot(ctx, opts.sysroot);
      const stateroot = sysroot.resolveStateroot(opts.os);
      // Like ostree: the booted deployment, or with --os that stateroot's merge deployment.
      const deployment = opts.os === undefined ? sysroot.booted : sysroot.mergeDeployment(stateroot);
      if (!deployment) throw new NotFoundError(`No deployment for OS '${stateroot}'`, { data: { stateroot } });
      const dir = sysroot.deploymentDirectory(deployment);
      ctx.stdout(formatConfigDiff(await diffEtc({ orig: join(dir, 'usr/etc'), modified: join(dir, 'etc') })));
    });
}
