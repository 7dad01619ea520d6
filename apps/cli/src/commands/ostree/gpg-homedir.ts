import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, fromSystemError } from '@tsostree/errors';
import { findGpgSecretKey, readGpgSecretKeys, type GpgSecretKey } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { cliPath } from './repo-option.js';

/** The GnuPG home directory: `--gpg-homedir`, else `$GNUPGHOME`, else `~/.gnupg` (like GPGME). */
export function gpgHomedir(ctx: CliContext, option: string | undefined): string {
  if (option !== undefined) return cliPath(ctx, option);
  return ctx.env.GNUPGHOME ?? join(ctx.env.HOME ?? '/root', '.gnupg');
}

async function readOptional(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fromSystemError(error, `reading ${path}`);
  }
}

/** `gpg --export-secret-keys KEYID` from a homedir (GnuPG ≥ 2.1 keeps secret keys in its agent's store). */
function gpgExportSecret(homedir: string, keyId: string): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    execFile('gpg', ['--homedir', homedir, '--batch', '--quiet', '--export-secret-keys', keyId], { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      resolve(error || stdout.length === 0 ? undefined : new Uint8Array(stdout));
    });
  });
}

/**
 * The secret keys named by `keyIds` from a GnuPG homedir: first the legacy `secring.gpg` (read
 * directly), then `gpg --export-secret-keys` for keys kept by a modern GnuPG. NotFound, with
 * ostree's message, for a key found nowhere.
 */
export async function gpgSecretKeysFromHomedir(ctx: CliContext, homedirOption: string | undefined, keyIds: readonly string[]): Promise<GpgSecretKey[]> {
  const homedir = gpgHomedir(ctx, homedirOption);
  const secring = await readOptional(join(homedir, 'secring.gpg'));
  const legacy = secring && secring.length > 0 ? await readGpgSecretKeys(secring, { what: join(homedir, 'secring.gpg') }) : [];
  const out: GpgSecretKey[] = [];
  for (const keyId of keyIds) {
    let key: GpgSecretKey | undefined;
    try {
      key = findGpgSecretKey(legacy, keyId);
    } catch {
      const exported = await gpgExportSecret(homedir, keyId);
      if (exported) {
        try {
          key = findGpgSecretKey(await readGpgSecretKeys(exported, { what: `gpg --export-secret-keys ${keyId}` }), keyId);
        } catch {
          key = undefined;
        }
      }
    }
    if (!key) throw new NotFoundError(`No gpg key found with ID ${keyId} (homedir: ${homedirOption ?? homedir})`, { data: { keyId, homedir } });
    out.push(key);
  }
  return out;
}
