import { Command } from 'commander';
import { InvalidArgumentError, UnsupportedError } from '@tsostree/errors';
import { readSummary, updateSummary, vardictU64BE } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { printGVariant } from './ostree-format.js';
import { openRepo } from './repo-option.js';

const iso = (s: number): string => `${new Date(s * 1000).toISOString().slice(0, 19)}+00`;

/** `tsostree ostree summary` */
export function summaryCommand(ctx: CliContext): Command {
  return new Command('summary')
    .summary('Manage the summary metadata')
    .description('Manage the summary metadata.')
    .option('--repo <path>', 'path to the repository')
    .option('-u, --update', 'regenerate the summary')
    .option('--view', 'print the summary')
    .option('--gpg-sign <keyid>', 'sign the summary')
    .action(async (opts: { repo?: string; update?: boolean; view?: boolean; gpgSign?: string }) => {
      const repo = await openRepo(ctx, opts.repo);
      if (opts.gpgSign !== undefined) throw new UnsupportedError('summary --gpg-sign is not supported yet');
      if (!opts.update && !opts.view) throw new InvalidArgumentError('No option specified; use -u to update summary');
      if (opts.update) await updateSummary(repo);
      if (!opts.view) return;
      const s = await readSummary(repo);
      for (const r of s.refs) {
        ctx.stdout(`* ${r.name}\n    Latest Commit (${r.commitSize} bytes):\n      ${r.checksum}\n`);
        const version = r.metadata.find(([k]) => k === 'ostree.commit.version');
        if (version) ctx.stdout(`    Version (ostree.commit.version): ${String(version[1].value)}\n`);
        const ts = vardictU64BE(r.metadata, 'ostree.commit.timestamp');
        if (ts !== undefined) ctx.stdout(`    Timestamp (ostree.commit.timestamp): ${iso(ts)}\n`);
        ctx.stdout('\n');
      }
      for (const [k, v] of s.metadata) {
        if (k === 'ostree.summary.mode') ctx.stdout(`Repository Mode (ostree.summary.mode): ${String(v.value)}\n`);
        else if (k === 'ostree.summary.last-modified') ctx.stdout(`Last-Modified (ostree.summary.last-modified): ${iso(vardictU64BE(s.metadata, k)!)}\n`);
        else if (k === 'ostree.summary.tombstone-commits') ctx.stdout(`Has Tombstone Commits (ostree.summary.tombstone-commits): ${v.value ? 'Yes' : 'No'}\n`);
        else ctx.stdout(`${k}: ${printGVariant(v.type, v.value, false)}\n`);
      }
    });
}
