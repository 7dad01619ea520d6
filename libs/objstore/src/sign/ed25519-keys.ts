/**
 * ed25519 key files and the trusted/revoked key directories, as ostree's ed25519 engine reads them:
 * a key file holds one base64 key per line; the well-known places are, under each base directory,
 * the file `trusted.ed25519` plus every file in `trusted.ed25519.d/`, and likewise
 * `revoked.ed25519(.d)` for keys that must never be accepted. ostree's base directories are
 * `/etc/ostree` and `/usr/share/ostree`; here they are always under a caller-given root.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, fromSystemError } from '@tsostree/errors';
import { Ed25519PublicKey, Ed25519SecretKey } from './ed25519.js';

/** The base directories ostree searches for ed25519 keys, under `root` (`/etc/ostree`, `/usr/share/ostree`). */
export function ed25519KeyBaseDirs(root: string): string[] {
  return [join(root, 'etc/ostree'), join(root, 'usr/share/ostree')];
}

function keyLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line !== '' && !line.startsWith('#')) out.push(line);
  }
  return out;
}

async function readKeyFileText(path: string): Promise<string> {
  let st;
  try {
    st = await stat(path);
  } catch (error) {
    throw fromSystemError(error, `reading ed25519 keys from ${path}`);
  }
  if (!st.isFile()) throw new InvalidArgumentError(`File object '${path}' is not a regular file`, { data: { path } });
  if (st.size > 16 * 1024 * 1024) throw new InvalidArgumentError(`ed25519 key file '${path}' is too large`, { data: { path } });
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw fromSystemError(error, `reading ed25519 keys from ${path}`);
  }
}

/** Public keys from a key file (lines that are not 32-byte base64 keys are skipped); InvalidArgument if none. */
export async function readEd25519PublicKeyFile(path: string): Promise<Ed25519PublicKey[]> {
  const keys: Ed25519PublicKey[] = [];
  for (const line of keyLines(await readKeyFileText(path))) {
    try {
      keys.push(Ed25519PublicKey.from(line));
    } catch {
      // ostree skips (and logs) lines that are not keys
    }
  }
  if (keys.length === 0) throw new InvalidArgumentError(`signature: ed25519: no valid keys in file '${path}'`, { data: { path } });
  return keys;
}

/** Secret keys from a key file (one base64 64-byte key per line); InvalidArgument if a line is not one, or none. */
export async function readEd25519SecretKeyFile(path: string): Promise<Ed25519SecretKey[]> {
  const keys = keyLines(await readKeyFileText(path)).map((line, i) => {
    try {
      return Ed25519SecretKey.from(line);
    } catch (error) {
      throw new InvalidArgumentError(`${path}:${i + 1}: not an ed25519 secret key`, { cause: error, data: { path } });
    }
  });
  if (keys.length === 0) throw new InvalidArgumentError(`signature: ed25519: no valid keys in file '${path}'`, { data: { path } });
  return keys;
}

async function filesOf(baseDir: string, name: string): Promise<string[]> {
  const files = [join(baseDir, name)];
  const dir = join(baseDir, `${name}.d`);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return files;
  }
  for (const e of entries.sort()) files.push(join(dir, e));
  return files;
}

async function keysFromFiles(files: string[]): Promise<Ed25519PublicKey[]> {
  const keys: Ed25519PublicKey[] = [];
  for (const f of files) {
    try {
      for (const k of await readEd25519PublicKeyFile(f)) if (!keys.some((x) => x.equals(k))) keys.push(k);
    } catch {
      // a missing or unreadable file in a well-known place is skipped, as ostree does
    }
  }
  return keys;
}

export interface Ed25519KeySet {
  trusted: Ed25519PublicKey[];
  revoked: Ed25519PublicKey[];
}

/**
 * Trusted and revoked keys from the well-known places under each base directory
 * (`trusted.ed25519`, `trusted.ed25519.d/*`, `revoked.ed25519`, `revoked.ed25519.d/*`).
 */
export async function loadEd25519KeyDirs(baseDirs: readonly string[]): Promise<Ed25519KeySet> {
  const trustedFiles: string[] = [];
  const revokedFiles: string[] = [];
  for (const base of baseDirs) {
    trustedFiles.push(...(await filesOf(base, 'trusted.ed25519')));
    revokedFiles.push(...(await filesOf(base, 'revoked.ed25519')));
  }
  return { trusted: await keysFromFiles(trustedFiles), revoked: await keysFromFiles(revokedFiles) };
}
