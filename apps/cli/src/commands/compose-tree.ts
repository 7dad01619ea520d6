import { isAbsolute, resolve } from 'node:path';
import { Command } from 'commander';
import { InvalidArgumentError } from '@tsostree/errors';
import { composeTree, type ComposeProgress } from '@tsostree/compose';
import type { CliContext } from '../context.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function formatBytes(n: number): string {
  if (n < 1000) return `${n} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

interface ComposeTreeFlags {
  repo?: string;
  cachedir?: string;
  workdir?: string;
  writeCommitidTo?: string;
  addMetadataString?: string[];
  forceNocache?: boolean;
  json?: boolean;
}

/** Renders progress events: JSON lines with --json, else one line per step (updated in place on a terminal). */
function progressRenderer(ctx: CliContext, json: boolean): { onProgress: (e: ComposeProgress) => void; finish: () => void } {
  if (json) return { onProgress: (e) => ctx.stdout(`${JSON.stringify(e)}\n`), finish: () => undefined };
  let live = '';
  const start = Date.now();
  let downloadStart = 0;
  const line = (text: string, final: boolean) => {
    if (ctx.isTTY) {
      ctx.stdout(`\r\x1b[K${text}${final ? '\n' : ''}`);
      live = final ? '' : text;
    } else if (final) {
      ctx.stdout(`${text}\n`);
    }
  };
  const onProgress = (e: ComposeProgress) => {
    switch (e.phase) {
      case 'treefile':
        line(`Treefile: ${e.path}${e.ref ? ` (ref ${e.ref})` : ''}`, true);
        break;
      case 'metadata':
        line(`Loading metadata of repo ${e.repo}: ${formatBytes(e.bytes)}`, false);
        break;
      case 'resolve':
        if (e.state === 'start') line('Resolving dependencies...', false);
        else line(`Resolving dependencies... done (${e.packages} packages)`, true);
        break;
      case 'unchanged':
        break;
      case 'download': {
        if (downloadStart === 0) downloadStart = Date.now();
        const secs = Math.max((Date.now() - downloadStart) / 1000, 0.001);
        // Packages of file:// repositories are read in place, cached ones reused: nothing fetched.
        const text =
          e.bytes === 0 && e.done === e.total
            ? `Packages: ${e.total} (${formatBytes(e.totalBytes)}), nothing to download`
            : `Downloading: ${e.done}/${e.total} packages, ${formatBytes(e.bytes)} fetched (${formatBytes(Math.round(e.bytes / secs))}/s), ${formatBytes(e.totalBytes)} total`;
        line(text, e.done === e.total);
        break;
      }
      case 'install':
        line(`Installing: ${e.done}/${e.total} ${e.nevra}`, e.done === e.total);
        break;
      case 'scriptlets': {
        // The default runner reports how many ran; stages with none are not worth a line.
        const ran = (e.detail as { ran?: unknown } | undefined)?.ran;
        if (e.state === 'done' && ran !== 0) line(`Ran %${e.stage} scriptlets${typeof ran === 'number' ? ` (${ran})` : ''}`, true);
        break;
      }
      case 'rpmdb':
        line(`Wrote rpmdb: ${e.packages} packages`, true);
        break;
      case 'postprocess':
        if (e.state === 'start') line('Post-processing...', false);
        else if (e.state === 'done') line('Post-processing... done', true);
        break;
      case 'commit':
        if (e.state === 'progress') line(`Committing: ${e.files} files, ${formatBytes(e.bytes ?? 0)}`, false);
        else if (e.state === 'done') line(`Committing... done (${((Date.now() - start) / 1000).toFixed(1)} s)`, true);
        break;
    }
  };
  return { onProgress, finish: () => live !== '' && line(live, true) };
}

/** `tsostree compose tree` */
export function composeTreeCommand(ctx: CliContext): Command {
  return new Command('tree')
    .summary('Compose a treefile into a commit')
    .description('Resolve, download and install the packages a treefile names, post-process the tree and commit it on its ref.')
    .argument('<treefile>')
    .option('--repo <path>', 'repository to commit into')
    .option('--cachedir <path>', 'cache for downloaded packages')
    .option('--workdir <path>', 'where the root is assembled (default: inside the repository)')
    .option('--write-commitid-to <file>', 'write the commit checksum here')
    .option('--add-metadata-string <k=v>', 'extra commit metadata (repeatable)', collect)
    .option('--force-nocache', 'commit even when the inputs did not change')
    .option('--json', 'progress as JSON lines')
    .action(async (treefile: string, flags: ComposeTreeFlags) => {
      const abs = (p: string) => (isAbsolute(p) ? p : resolve(ctx.cwd, p));
      if (!flags.repo) throw new InvalidArgumentError('compose tree requires --repo');
      const metadata: [string, string][] = (flags.addMetadataString ?? []).map((kv) => {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new InvalidArgumentError(`--add-metadata-string expects KEY=VALUE, got ${JSON.stringify(kv)}`);
        return [kv.slice(0, eq), kv.slice(eq + 1)];
      });
      const sourceDateEpoch = ctx.env.SOURCE_DATE_EPOCH;
      const timestamp = sourceDateEpoch && /^[0-9]+$/.test(sourceDateEpoch) ? Number(sourceDateEpoch) : undefined;
      const progress = progressRenderer(ctx, flags.json === true);
      const result = await composeTree(abs(treefile), {
        repo: abs(flags.repo),
        cachedir: flags.cachedir ? abs(flags.cachedir) : undefined,
        workdir: flags.workdir ? abs(flags.workdir) : undefined,
        writeCommitIdTo: flags.writeCommitidTo ? abs(flags.writeCommitidTo) : undefined,
        addMetadataStrings: metadata,
        forceNocache: flags.forceNocache === true,
        timestamp,
        onProgress: progress.onProgress,
      });
      progress.finish();
      if (flags.json) {
        ctx.stdout(`${JSON.stringify({ phase: 'result', ...result })}\n`);
        return;
      }
      if (!result.changed) {
        ctx.stdout('No apparent changes since previous commit; use --force-nocache to override\n');
        return;
      }
      if (result.version !== undefined) ctx.stdout(`Version: ${result.version}\n`);
      ctx.stdout(`Wrote commit: ${result.commit}\n`);
    });
}
