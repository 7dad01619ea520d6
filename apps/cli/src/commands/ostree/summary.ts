import { Command } from 'commander';
import { InvalidArgumentError, UnsupportedError } from '@tsostree/errors';
import { ED25519_SIGN_TYPE, Ed25519SecretKey, readEd25519SecretKeyFile, readSummary, signSummary, updateSummary, vardictU64BE, type SummarySignOptions } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { printGVariant } from './ostree-format.js';
import { gpgSecretKeysFromHomedir } from './gpg-homedir.js';
import { cliPath, collect, openRepo } from './repo-option.js';

const iso = (s: number): string => `${new Date(s * 1000).toISOString().slice(0, 19)}+00`;

interface SummaryOpts {
  repo?: string;
  update?: boolean;
  view?: boolean;
  gpgSign?: string[];
  gpgHomedir?: string;
  sign?: string[];
  signType?: string;
  keysFile?: string;
}

async function signingKeys(ctx: CliContext, opts: SummaryOpts): Promise<SummarySignOptions | undefined> {
  const gpgKeys = opts.gpgSign?.length ? await gpgSecretKeysFromHomedir(ctx, opts.gpgHomedir, opts.gpgSign) : [];
  const ed25519Keys = (opts.sign ?? []).map((k) => Ed25519SecretKey.from(k));
  if (ed25519Keys.length > 0 || opts.keysFile !== undefined) {
    const type = opts.signType ?? ED25519_SIGN_TYPE;
    if (type !== ED25519_SIGN_TYPE) throw new UnsupportedError(`Requested signature type is not implemented: ${type}`, { data: { type } });
  }
  const fromFile = opts.keysFile !== undefined ? await readEd25519SecretKeyFile(cliPath(ctx, opts.keysFile)) : [];
  if (gpgKeys.length === 0 && ed25519Keys.length === 0 && fromFile.length === 0) return undefined;
  return { gpgKeys, ed25519Keys: [...ed25519Keys, ...fromFile] };
}

/** `tsostree ostree summary` */
export function summaryCommand(ctx: CliContext): Command {
  return new Command('summary')
    .summary('Manage the summary metadata')
    .description('Manage the summary metadata.')
    .option('--repo <path>', 'path to the repository')
    .option('-u, --update', 'regenerate the summary')
    .option('--view', 'print the summary')
    .option('--gpg-sign <keyid>', 'GPG key ID to sign the summary with (repeatable)', collect)
    .option('--gpg-homedir <dir>', 'GPG homedir to use when looking for keyrings')
    .option('--sign <key>', 'key to sign the summary with (repeatable)', collect)
    .option('--sign-type <type>', "signature type to use (defaults to 'ed25519')")
    .option('--keys-file <file>', 'read signing keys from this file, one per line')
    .action(async (opts: SummaryOpts) => {
      const repo = await openRepo(ctx, opts.repo);
      if (!opts.update && !opts.view) throw new InvalidArgumentError('No option specified; use -u to update summary');
      // Keys are loaded before the summary is regenerated, so a bad key leaves the old summary alone.
      const signing = await signingKeys(ctx, opts);
      if (opts.update) {
        await updateSummary(repo);
        if (signing) await signSummary(repo, signing);
      }
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
