/**
 * Which OpenPGP keys a remote trusts, found the way ostree finds them:
 * 1. the remote's keyring in the repository, `<repo>/<remote>.trustedkeys.gpg` (what
 *    `ostree remote gpg-import` / `remote add --gpg-import` write);
 * 2. every path in the remote's `gpgkeypath` option (`;` or `,` separated; a file — binary or
 *    armored — or a directory of such files);
 * 3. only when neither exists: the global keyring directory (ostree: `/usr/share/ostree/trusted.gpg.d`,
 *    overridden by `OSTREE_GPG_HOME`), here `<keysRoot>/usr/share/ostree/trusted.gpg.d` or `gpgHome`,
 *    files ending in `.gpg`.
 */
import { readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptError, NotFoundError, fromSystemError } from '@tsostree/errors';
import type { Repo } from '../repo.js';
import type { Remote } from '../repo-remotes.js';
import { gpgKeyMatches, readGpgPublicKeys, type GpgPublicKey } from './gpg.js';

const MAX_KEYRING = 64 * 1024 * 1024;

async function readIfFile(path: string): Promise<Uint8Array | undefined> {
  let st;
  try {
    st = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw fromSystemError(error, `reading keyring ${path}`);
  }
  if (!st.isFile()) return undefined;
  if (st.size > MAX_KEYRING) throw new CorruptError(`keyring ${path} is larger than ${MAX_KEYRING} bytes`, { data: { path } });
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw fromSystemError(error, `reading keyring ${path}`);
  }
}

async function keysFromPath(path: string, filter: (name: string) => boolean): Promise<{ keys: GpgPublicKey[]; sources: string[] }> {
  let st;
  try {
    st = await stat(path);
  } catch (error) {
    throw fromSystemError(error, `reading GPG keys from ${path}`);
  }
  const files: string[] = [];
  if (st.isDirectory()) {
    for (const name of (await readdir(path)).sort()) if (!name.startsWith('.') && filter(name)) files.push(join(path, name));
  } else {
    files.push(path);
  }
  const keys: GpgPublicKey[] = [];
  const sources: string[] = [];
  for (const f of files) {
    const bytes = await readIfFile(f);
    if (bytes === undefined) continue;
    keys.push(...(await readGpgPublicKeys(bytes, f)));
    sources.push(f);
  }
  return { keys, sources };
}

export interface RemoteGpgKeyOptions {
  /** System root for the global keyring directory `<keysRoot>/usr/share/ostree/trusted.gpg.d`. */
  keysRoot?: string;
  /** A directory used instead of the global keyring directory (like `OSTREE_GPG_HOME`). */
  gpgHome?: string;
}

/**
 * The keys `remote` trusts (see the module comment), with the files they came from. A keyring that
 * is not OpenPGP data is a CorruptError naming the file.
 */
export async function loadRemoteGpgKeys(
  repo: Repo,
  remote: Remote | undefined,
  options: RemoteGpgKeyOptions = {},
): Promise<{ keys: GpgPublicKey[]; sources: string[] }> {
  const keys: GpgPublicKey[] = [];
  const sources: string[] = [];
  let useGlobal = true;
  if (remote) {
    const own = repo.resolve(`${remote.name}.trustedkeys.gpg`);
    const bytes = await readIfFile(own);
    if (bytes !== undefined) {
      keys.push(...(await readGpgPublicKeys(bytes, own)));
      sources.push(own);
      useGlobal = false;
    }
    const paths = (remote.options.gpgkeypath ?? '')
      .split(/[;,]/)
      .map((p) => p.trim())
      .filter((p) => p !== '');
    for (const p of paths) {
      const got = await keysFromPath(p, () => true);
      keys.push(...got.keys);
      sources.push(...got.sources);
      useGlobal = false;
    }
  }
  if (useGlobal) {
    const dir = options.gpgHome ?? (options.keysRoot !== undefined ? join(options.keysRoot, 'usr/share/ostree/trusted.gpg.d') : undefined);
    if (dir !== undefined) {
      try {
        const got = await keysFromPath(dir, (n) => n.endsWith('.gpg'));
        keys.push(...got.keys);
        sources.push(...got.sources);
      } catch (error) {
        if ((error as { code?: string }).code !== 'NotFound') throw error;
      }
    }
  }
  return { keys, sources };
}

/**
 * `ostree remote gpg-import`: adds the public keys in `source` (one or more keyrings, binary or armored; secret keys are
 * reduced to their public part) — only those named by `keyIds` when given — to the remote's keyring
 * `<repo>/<remote>.trustedkeys.gpg` (binary, written atomically; keys already there are merged).
 * Returns how many keys were new. NotFound for an unknown remote or a key ID not in `source`.
 */
export async function importRemoteGpgKeys(
  repo: Repo,
  remoteName: string,
  source: Uint8Array | readonly Uint8Array[],
  keyIds: readonly string[] = [],
): Promise<number> {
  if (!repo.config.hasGroup(`remote "${remoteName}"`)) throw new NotFoundError(`GPG: Remote "${remoteName}" not found`, { data: { remote: remoteName } });
  let incoming: GpgPublicKey[] = [];
  for (const part of source instanceof Uint8Array ? [source] : source) incoming.push(...(await readGpgPublicKeys(part, 'the keys to import')));
  if (keyIds.length > 0) {
    const chosen: GpgPublicKey[] = [];
    for (const id of keyIds) {
      const key = incoming.find((k) => gpgKeyMatches(k, id));
      if (!key) throw new NotFoundError(`GPG: Unable to find key "${id}"`, { data: { keyId: id } });
      if (!chosen.includes(key)) chosen.push(key);
    }
    incoming = chosen;
  }
  const path = repo.resolve(`${remoteName}.trustedkeys.gpg`);
  const existingBytes = await readIfFile(path);
  const keyring = existingBytes ? await readGpgPublicKeys(existingBytes, path) : [];
  let added = 0;
  for (const key of incoming) {
    const i = keyring.findIndex((k) => k.getFingerprint() === key.getFingerprint());
    if (i < 0) {
      keyring.push(key);
      added++;
    } else {
      keyring[i] = await keyring[i]!.update(key);
    }
  }
  const bytes = Buffer.concat(keyring.map((k) => k.write()));
  const tmp = repo.resolve(`.${remoteName}.trustedkeys.gpg.tmp-${process.pid}`);
  try {
    await writeFile(tmp, bytes, { mode: 0o644 });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fromSystemError(error, `writing ${path}`);
  }
  return added;
}

/**
 * The keys `ostree remote gpg-list-keys` lists: with a remote name, only that remote's keyring
 * (`<repo>/<remote>.trustedkeys.gpg`; none → []); without, the global keyring directory
 * (`gpgHome`, else `<keysRoot>/usr/share/ostree/trusted.gpg.d`, `*.gpg` files).
 */
export async function listRemoteGpgKeys(repo: Repo, remoteName: string | undefined, options: RemoteGpgKeyOptions = {}): Promise<GpgPublicKey[]> {
  if (remoteName !== undefined) {
    if (!repo.config.hasGroup(`remote "${remoteName}"`)) throw new NotFoundError(`Remote "${remoteName}" not found`, { data: { remote: remoteName } });
    const path = repo.resolve(`${remoteName}.trustedkeys.gpg`);
    const bytes = await readIfFile(path);
    return bytes ? readGpgPublicKeys(bytes, path) : [];
  }
  return (await loadRemoteGpgKeys(repo, undefined, options)).keys;
}
