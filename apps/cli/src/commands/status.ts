import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { formatStatusJson, formatStatusText } from './status-format.js';
import { deploymentViews, openSysroot } from './sysroot-option.js';

/** `tsostree status` */
export function statusCommand(ctx: CliContext): Command {
  return new Command('status')
    .summary('Show the deployments and which one is booted')
    .description('Show the deployments and which one is booted.')
    .option('-v, --verbose', 'print more fields')
    .option('--json', 'print rpm-ostree\'s JSON document')
    .option('-b, --booted', 'only the booted deployment')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(async (opts: { verbose?: boolean; json?: boolean; booted?: boolean; sysroot?: string }) => {
      const views = await deploymentViews(await openSysroot(ctx, opts.sysroot));
      ctx.stdout(opts.json ? formatStatusJson(views) : formatStatusText(views, { verbose: opts.verbose, bootedOnly: opts.booted }));
    });
}
