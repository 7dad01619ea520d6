/**
 * Signing commits and checking their signatures in a local repository: `ostree sign`
 * (ed25519, `ostree.sign.ed25519`) and `ostree gpg-sign` (OpenPGP, `ostree.gpgsigs`). Signatures
 * go into the commit's detached metadata (`objects/xx/….commitmeta`), appended to what is there.
 */
import { ConflictError, SignatureInvalidError } from '@tsostree/errors';
import { readCommitMeta, readMetadataObject, writeCommitMeta } from '../repo-objects.js';
import { resolveCommit } from '../repo-inspect.js';
import type { Repo } from '../repo.js';
import { decodeBase64Lenient, ED25519_METADATA_KEY, ED25519_SECRET_KEY_BYTES, Ed25519PublicKey, Ed25519SecretKey, verifyEd25519, type Ed25519Check } from './ed25519.js';
import { loadEd25519KeyDirs, readEd25519PublicKeyFile } from './ed25519-keys.js';
import { GPG_METADATA_KEY, gpgSignData, gpgSignatureKeyIds, verifyGpgSignatures, type GpgPublicKey, type GpgSecretKey, type GpgSignatureCheck } from './gpg.js';
import { appendSignatures, filterSignatures, parseSignatureMetadata, serializeSignatureMetadata, signaturesIn, type VarDictEntries } from './signature-metadata.js';

/** A commit's detached metadata entries, or undefined when it has none. */
export async function readDetachedMetadata(repo: Repo, commit: string): Promise<VarDictEntries | undefined> {
  const bytes = await readCommitMeta(repo, commit);
  return bytes === undefined ? undefined : parseSignatureMetadata(bytes, `detached metadata of commit ${commit}`);
}

async function appendToCommit(repo: Repo, commit: string, key: string, sigs: Uint8Array[]): Promise<void> {
  const existing = await readDetachedMetadata(repo, commit);
  await writeCommitMeta(repo, commit, serializeSignatureMetadata(appendSignatures(existing, key, sigs)));
}

/**
 * `ostree sign COMMIT KEY…`: signs the commit object's bytes with each ed25519 secret key (64 raw
 * bytes or base64) and appends the signatures under `ostree.sign.ed25519`. Returns the commit checksum.
 */
export async function ed25519SignCommit(repo: Repo, rev: string, keys: readonly (Ed25519SecretKey | Uint8Array | string)[]): Promise<string> {
  const commit = await resolveCommit(repo, rev);
  const secret = keys.map((k) => (k instanceof Ed25519SecretKey ? k : Ed25519SecretKey.from(k)));
  const bytes = await readMetadataObject(repo, 'commit', commit);
  await appendToCommit(repo, commit, ED25519_METADATA_KEY, secret.map((k) => k.sign(bytes)));
  return commit;
}

/** Where `ed25519VerifyCommit` takes public keys from (ostree `sign --verify` KEY…, `--keys-file`, `--keys-dir`). */
export interface Ed25519VerifyKeys {
  /** Public keys (32 raw bytes, base64, or parsed). */
  publicKeys?: readonly (Ed25519PublicKey | Uint8Array | string)[];
  /** A key file: one base64 public key per line. */
  keysFile?: string;
  /**
   * Base directories holding `trusted.ed25519(.d)` and `revoked.ed25519(.d)` (ostree: `/etc/ostree`
   * and `/usr/share/ostree`, see `ed25519KeyBaseDirs(root)`). Used only when no key is given
   * otherwise — exactly like ostree, revoked keys apply to keys loaded from these directories.
   */
  keysDirs?: readonly string[];
}

/** Resolves {@link Ed25519VerifyKeys} into trusted and revoked key lists. */
export async function loadEd25519VerifyKeys(keys: Ed25519VerifyKeys): Promise<{ trusted: Ed25519PublicKey[]; revoked: Ed25519PublicKey[] }> {
  const trusted = (keys.publicKeys ?? []).map((k) => (k instanceof Ed25519PublicKey ? k : Ed25519PublicKey.from(k)));
  if (keys.keysFile !== undefined) trusted.push(...(await readEd25519PublicKeyFile(keys.keysFile)));
  if (trusted.length > 0 || !keys.keysDirs) return { trusted, revoked: [] };
  return loadEd25519KeyDirs(keys.keysDirs);
}

/**
 * `ostree sign --verify`: checks the commit's ed25519 signatures. Returns the check (with ostree's
 * success message) or throws SignatureInvalidError saying why (no signatures, unknown or revoked
 * keys, garbage signature data).
 */
export async function ed25519VerifyCommit(repo: Repo, rev: string, keys: Ed25519VerifyKeys): Promise<Ed25519Check & { commit: string }> {
  const commit = await resolveCommit(repo, rev);
  const bytes = await readMetadataObject(repo, 'commit', commit);
  const meta = await readDetachedMetadata(repo, commit);
  const { trusted, revoked } = await loadEd25519VerifyKeys(keys);
  const check = verifyEd25519(bytes, signaturesIn(meta, ED25519_METADATA_KEY), trusted, revoked);
  if (!check.valid) {
    throw new SignatureInvalidError(check.message, { data: { commit, type: 'ed25519' } });
  }
  return { ...check, commit };
}

/**
 * `ostree gpg-sign COMMIT KEY-ID…` with already loaded secret keys: appends one binary detached
 * signature per key under `ostree.gpgsigs`. Like ostree, refuses (ConflictError) a key that already
 * signed the commit.
 */
export async function gpgSignCommit(repo: Repo, rev: string, keys: readonly GpgSecretKey[], options: { date?: Date } = {}): Promise<string> {
  const commit = await resolveCommit(repo, rev);
  const bytes = await readMetadataObject(repo, 'commit', commit);
  const existing = signaturesIn(await readDetachedMetadata(repo, commit), GPG_METADATA_KEY);
  const existingIds = new Set<string>();
  for (const s of existing) for (const id of await gpgSignatureKeyIds(s)) existingIds.add(id);
  const sigs: Uint8Array[] = [];
  for (const key of keys) {
    const ids = [key, ...key.getSubkeys()].map((k) => k.getKeyID().toHex().toUpperCase());
    const dup = ids.find((id) => existingIds.has(id));
    if (dup) throw new ConflictError(`Commit is already signed with GPG key ${dup}`, { data: { commit, keyId: dup } });
    sigs.push(await gpgSignData(bytes, key, options));
  }
  await appendToCommit(repo, commit, GPG_METADATA_KEY, sigs);
  return commit;
}

/**
 * `ostree gpg-sign --delete COMMIT KEY-ID…`: removes the signatures whose issuer is one of the key
 * IDs (long/short key IDs or fingerprints). Returns how many were removed.
 */
export async function gpgDeleteCommitSignatures(repo: Repo, rev: string, keyIds: readonly string[]): Promise<number> {
  const commit = await resolveCommit(repo, rev);
  const meta = await readDetachedMetadata(repo, commit);
  if (!meta) return 0;
  const wanted = keyIds.map((k) => k.replace(/^0x/i, '').toUpperCase());
  const issuers = new Map<Uint8Array, string[]>();
  for (const s of signaturesIn(meta, GPG_METADATA_KEY)) issuers.set(s, await gpgSignatureKeyIds(s));
  let removed = 0;
  const kept = filterSignatures(meta, GPG_METADATA_KEY, (s) => {
    const hit = (issuers.get(s) ?? []).some((id) => wanted.some((w) => w.length >= 8 && (id.endsWith(w) || w.endsWith(id))));
    if (hit) removed++;
    return !hit;
  });
  if (removed > 0) await writeCommitMeta(repo, commit, serializeSignatureMetadata(kept));
  return removed;
}

/** Checks every OpenPGP signature of a commit against `keys` (never throws for bad signature data). */
export async function gpgVerifyCommit(repo: Repo, rev: string, keys: readonly GpgPublicKey[]): Promise<{ commit: string; checks: GpgSignatureCheck[] }> {
  const commit = await resolveCommit(repo, rev);
  const bytes = await readMetadataObject(repo, 'commit', commit);
  const meta = await readDetachedMetadata(repo, commit);
  return { commit, checks: await verifyGpgSignatures(bytes, signaturesIn(meta, GPG_METADATA_KEY), keys) };
}

/**
 * `ostree sign --delete COMMIT KEY…`: removes the ed25519 signatures made by any of the keys
 * (public keys, or secret keys whose public half is used). Returns how many were removed.
 */
export async function ed25519DeleteCommitSignatures(
  repo: Repo,
  rev: string,
  keys: readonly (Ed25519PublicKey | Ed25519SecretKey | Uint8Array | string)[],
): Promise<number> {
  const commit = await resolveCommit(repo, rev);
  const meta = await readDetachedMetadata(repo, commit);
  if (!meta) return 0;
  const publicKeys = keys.map((k) => {
    if (k instanceof Ed25519PublicKey) return k;
    if (k instanceof Ed25519SecretKey) return k.publicKey;
    const len = typeof k === 'string' ? decodeBase64Lenient(k).length : k.length;
    return len === ED25519_SECRET_KEY_BYTES ? Ed25519SecretKey.from(k).publicKey : Ed25519PublicKey.from(k);
  });
  const bytes = await readMetadataObject(repo, 'commit', commit);
  let removed = 0;
  const kept = filterSignatures(meta, ED25519_METADATA_KEY, (s) => {
    const hit = publicKeys.some((k) => k.verify(bytes, s));
    if (hit) removed++;
    return !hit;
  });
  if (removed > 0) await writeCommitMeta(repo, commit, serializeSignatureMetadata(kept));
  return removed;
}
