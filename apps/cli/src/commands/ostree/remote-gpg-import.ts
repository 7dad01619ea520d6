import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { NotFoundError, fromSystemError } from '@tsostree/errors';
import { importRemoteGpgKeys, type Repo } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { gpgHomedir } from './gpg-homedir.js';
import { cliPath, collect, openRepo } from './repo-option.js';

/** The public keys of the user's GnuPG homedir (`gpg --export [KEY-ID…]`), what ostree imports without --keyring. */
function gpgExportPublic(homedir: string, keyIds: readonly string[]): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    execFile('gpg', ['--homedir', homedir, '--batch', '--quiet', '--export', ...keyIds], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error) reject(new NotFoundError(`GPG: cannot export keys from ${homedir}: ${error.message}`, { cause: error }));
      else resolve(new Uint8Array(stdout));
    });
  });
}

/** Imports keys into a remote's keyring and prints ostree's line; shared with `remote add --gpg-import`. */
export async function importKeysForRemote(ctx: CliContext, repo: Repo, remote: string, files: readonly string[], keyIds: readonly string[]): Promise<void> {
  const source: Uint8Array[] = [];
  if (files.length > 0) {
    for (const f of files) {
      try {
        source.push(new Uint8Array(await readFile(cliPath(ctx, f))));
      } catch (error) {
        throw fromSystemError(error, `reading ${f}`);
      }
    }
  } else {
    source.push(await gpgExportPublic(gpgHomedir(ctx, undefined), keyIds));
  }
  const n = await importRemoteGpgKeys(repo, remote, source, keyIds);
  ctx.stdout(`Imported ${n} GPG key${n === 1 ? '' : 's'} to remote "${remote}"\n`);
}

/** `tsostree ostree remote gpg-import` */
export function remoteGpgImportCommand(ctx: CliContext): Command {
  return new Command('gpg-import')
    .summary('Import GPG keys')
    .description("Import GPG keys into the remote's keyring (<repo>/<remote>.trustedkeys.gpg); without --keyring, from $GNUPGHOME.")
    .argument('<name>')
    .argument('[keyid...]')
    .option('--repo <path>', 'path to the repository')
    .option('-k, --keyring <file>', 'import keys from a keyring file, binary or armored (repeatable)', collect)
    .action(async (name: string, keyIds: string[], opts: { repo?: string; keyring?: string[] }) => {
      const repo = await openRepo(ctx, opts.repo);
      await importKeysForRemote(ctx, repo, name, opts.keyring ?? [], keyIds);
    });
}
