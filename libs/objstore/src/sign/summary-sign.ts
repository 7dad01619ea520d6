/**
 * Signing the summary: `summary.sig` is an `a{sv}` beside `summary` holding signatures over the
 * summary file's bytes — `ostree.gpgsigs` (`summary --gpg-sign`) and `ostree.sign.ed25519`
 * (`summary --sign`). Regenerating the summary removes `summary.sig` (its signatures no longer
 * match); signing appends to what is there.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { NotFoundError, fromSystemError } from '@tsostree/errors';
import type { Repo } from '../repo.js';
import { ED25519_METADATA_KEY, Ed25519SecretKey } from './ed25519.js';
import { GPG_METADATA_KEY, gpgSignData, type GpgSecretKey } from './gpg.js';
import { appendSignatures, parseSignatureMetadata, serializeSignatureMetadata, type VarDictEntries } from './signature-metadata.js';

async function readOptional(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fromSystemError(error, `reading ${path}`);
  }
}

/** The repository's `summary.sig` entries, or undefined if there is none. */
export async function readSummarySignatures(repo: Repo): Promise<VarDictEntries | undefined> {
  const bytes = await readOptional(repo.resolve('summary.sig'));
  return bytes === undefined ? undefined : parseSignatureMetadata(bytes, 'summary.sig');
}

/** Removes `summary.sig` (after the summary changed). */
export async function removeSummarySignatures(repo: Repo): Promise<void> {
  try {
    await rm(repo.resolve('summary.sig'), { force: true });
  } catch (error) {
    throw fromSystemError(error, 'removing summary.sig');
  }
}

export interface SummarySignOptions {
  /** OpenPGP secret keys (`summary --gpg-sign=KEY-ID`). */
  gpgKeys?: readonly GpgSecretKey[];
  /** ed25519 secret keys (`summary --sign=KEY --sign-type=ed25519`). */
  ed25519Keys?: readonly (Ed25519SecretKey | Uint8Array | string)[];
  /** Signature creation time for OpenPGP (default now). */
  date?: Date;
}

/**
 * Signs the current `summary` and appends the signatures to `summary.sig` (written atomically).
 * NotFound if there is no summary.
 */
export async function signSummary(repo: Repo, options: SummarySignOptions): Promise<void> {
  const summary = await readOptional(repo.resolve('summary'));
  if (summary === undefined) throw new NotFoundError('No summary file; run summary -u first');
  let entries = await readSummarySignatures(repo);
  const ed = (options.ed25519Keys ?? []).map((k) => (k instanceof Ed25519SecretKey ? k : Ed25519SecretKey.from(k)));
  const gpg: Uint8Array[] = [];
  for (const key of options.gpgKeys ?? []) gpg.push(await gpgSignData(summary, key, options.date ? { date: options.date } : {}));
  if (gpg.length > 0) entries = appendSignatures(entries, GPG_METADATA_KEY, gpg);
  if (ed.length > 0) entries = appendSignatures(entries, ED25519_METADATA_KEY, ed.map((k) => k.sign(summary)));
  if (!entries) return;
  const tmp = repo.resolve(`.summary.sig.tmp-${process.pid}`);
  try {
    await writeFile(tmp, serializeSignatureMetadata(entries), { mode: 0o644 });
    await rename(tmp, repo.resolve('summary.sig'));
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fromSystemError(error, 'writing summary.sig');
  }
}
