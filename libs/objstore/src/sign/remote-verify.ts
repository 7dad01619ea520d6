/**
 * What a remote requires before a pulled commit or summary may be used, and the check itself —
 * called by pull before any ref moves. Remote options, as ostree reads them:
 * `gpg-verify` (default true), `gpg-verify-summary` (default false), `gpgkeypath`,
 * `sign-verify` / `sign-verify-summary` (a boolean: any signature type that has keys; or a list of
 * types, each then required to have keys), `verification-ed25519-key`, `verification-ed25519-file`.
 * If both OpenPGP and sign-verify apply, both must find a valid signature (ostree's rule).
 */
import { ChecksumMismatchError, InvalidArgumentError, SignatureInvalidError, UnsupportedError } from '@tsostree/errors';
import { sha256Hex } from '../format/checksum.js';
import { getRemote, type Remote } from '../repo-remotes.js';
import type { Repo } from '../repo.js';
import { ED25519_METADATA_KEY, ED25519_SIGN_TYPE, Ed25519PublicKey, verifyEd25519 } from './ed25519.js';
import { ed25519KeyBaseDirs, loadEd25519KeyDirs, readEd25519PublicKeyFile } from './ed25519-keys.js';
import { GPG_METADATA_KEY, verifyGpgSignatures, type GpgSignatureCheck } from './gpg.js';
import { loadRemoteGpgKeys } from './gpg-keyrings.js';
import { parseSignatureMetadata, signaturesIn, type VarDictEntries } from './signature-metadata.js';

/** Signature types tsostree can verify with sign-verify (ostree 2022.7 knows ed25519 and a test-only "dummy"). */
export const SIGN_TYPES = [ED25519_SIGN_TYPE] as const;

/** One checked signature. */
export type SignatureCheck =
  | GpgSignatureCheck
  | {
      type: 'ed25519';
      valid: boolean;
      /** base64 of the public key that verified, when valid. */
      key?: string;
      message: string;
    };

export interface SignatureVerifyResult {
  /** False when the remote requires no signature (nothing was checked). */
  required: boolean;
  checks: SignatureCheck[];
}

/** What a remote requires. `signVerify`: null = off, else the types to try. */
export interface SignaturePolicy {
  gpgVerify: boolean;
  gpgVerifySummary: boolean;
  signVerify: { types: string[]; explicit: boolean } | null;
  signVerifySummary: { types: string[]; explicit: boolean } | null;
}

function parseBool(value: string | undefined, fallback: boolean, key: string): boolean {
  if (value === undefined) return fallback;
  const v = value.trim();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new InvalidArgumentError(`remote option ${key}=${JSON.stringify(value)} is not a boolean`, { data: { key } });
}

function parseSignVerify(value: string | undefined, key: string): SignaturePolicy['signVerify'] {
  if (value === undefined || value.trim() === '') return null;
  const v = value.trim();
  if (v === 'true' || v === '1') return { types: [...SIGN_TYPES], explicit: false };
  if (v === 'false' || v === '0') return null;
  const types = v
    .split(/[;,]/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (const t of types) {
    if (!(SIGN_TYPES as readonly string[]).includes(t)) {
      throw new UnsupportedError(`${key}: requested signature type ${JSON.stringify(t)} is not implemented`, { data: { key, type: t } });
    }
  }
  return types.length > 0 ? { types, explicit: true } : null;
}

/** The signature policy of a remote (`undefined` = pulling from a plain URL: nothing required). */
export function remoteSignaturePolicy(remote: Remote | undefined): SignaturePolicy {
  if (!remote) return { gpgVerify: false, gpgVerifySummary: false, signVerify: null, signVerifySummary: null };
  const o = remote.options;
  return {
    gpgVerify: parseBool(o['gpg-verify'], true, 'gpg-verify'),
    gpgVerifySummary: parseBool(o['gpg-verify-summary'], false, 'gpg-verify-summary'),
    signVerify: parseSignVerify(o['sign-verify'], 'sign-verify'),
    signVerifySummary: parseSignVerify(o['sign-verify-summary'], 'sign-verify-summary'),
  };
}

export interface RemoteVerifyOptions {
  /**
   * System root for the well-known key places: `<keysRoot>/etc/ostree/trusted.ed25519(.d)`,
   * `revoked.ed25519(.d)` (and under `usr/share/ostree`), and the global OpenPGP keyring directory
   * `<keysRoot>/usr/share/ostree/trusted.gpg.d`. Default: none of them is consulted.
   */
  keysRoot?: string;
  /** Directory used instead of the global OpenPGP keyring directory (ostree's `OSTREE_GPG_HOME`). */
  gpgHome?: string;
  /** Overrides the remote's `gpg-verify` (pull `--gpg-verify`). */
  gpgVerify?: boolean;
  /** Overrides the remote's `gpg-verify-summary`. */
  gpgVerifySummary?: boolean;
  /** Verification time for OpenPGP expiry checks (default now). */
  date?: Date;
  /** Accept SHA-1 OpenPGP data signatures (default true, like GnuPG 2.2 / real ostree). */
  acceptSha1?: boolean;
}

function resolveRemote(repo: Repo, remote: Remote | string | undefined): Remote | undefined {
  return typeof remote === 'string' ? getRemote(repo, remote) : remote;
}

async function ed25519KeysFor(remote: Remote, explicit: boolean, options: RemoteVerifyOptions): Promise<{ trusted: Ed25519PublicKey[]; revoked: Ed25519PublicKey[] }> {
  const file = remote.options[`verification-${ED25519_SIGN_TYPE}-file`];
  const inline = remote.options[`verification-${ED25519_SIGN_TYPE}-key`];
  const trusted: Ed25519PublicKey[] = [];
  if (file !== undefined) {
    try {
      trusted.push(...(await readEd25519PublicKeyFile(file)));
    } catch (error) {
      throw new SignatureInvalidError(`Failed loading 'ed25519' keys from '${file}'`, { cause: error, data: { remote: remote.name, type: 'ed25519' } });
    }
  }
  if (inline !== undefined) {
    try {
      trusted.push(Ed25519PublicKey.from(inline));
    } catch (error) {
      throw new SignatureInvalidError(`Failed loading 'ed25519' keys from inline \`verification-key\``, { cause: error, data: { remote: remote.name, type: 'ed25519' } });
    }
  }
  if (trusted.length > 0) return { trusted, revoked: [] };
  if (explicit) {
    throw new SignatureInvalidError(`No keys found for required signapi type ed25519`, { data: { remote: remote.name, type: 'ed25519' } });
  }
  // sign-verify=true without configured keys: ostree falls back to the system-wide key places.
  if (options.keysRoot === undefined) return { trusted: [], revoked: [] };
  return loadEd25519KeyDirs(ed25519KeyBaseDirs(options.keysRoot));
}

interface Subject {
  what: string;
  data: Record<string, unknown>;
  gpgOffHint: string;
}

async function verifySigned(
  repo: Repo,
  remote: Remote | undefined,
  signedBytes: Uint8Array,
  metadataBytes: Uint8Array | undefined,
  needGpg: boolean,
  signVerify: SignaturePolicy['signVerify'],
  subject: Subject,
  options: RemoteVerifyOptions,
): Promise<SignatureVerifyResult> {
  if (!needGpg && !signVerify) return { required: false, checks: [] };
  const fail = (message: string, extra: Record<string, unknown> = {}, cause?: unknown): never => {
    throw new SignatureInvalidError(`${subject.what}: ${message}`, { ...(cause !== undefined ? { cause } : {}), data: { ...subject.data, remote: remote?.name, ...extra } });
  };
  let meta: VarDictEntries | undefined;
  if (metadataBytes !== undefined) {
    try {
      meta = parseSignatureMetadata(metadataBytes, 'signature metadata');
    } catch (error) {
      fail((error as Error).message, { type: needGpg ? 'gpg' : 'ed25519' }, error);
    }
  }
  const checks: SignatureCheck[] = [];

  if (needGpg) {
    const sigs = signaturesIn(meta, GPG_METADATA_KEY);
    if (sigs.length === 0) fail(`GPG verification enabled, but no signatures found (${subject.gpgOffHint})`, { type: 'gpg', reasons: [] });
    const { keys } = await loadRemoteGpgKeys(repo, remote, options);
    const gpgChecks = await verifyGpgSignatures(signedBytes, sigs, keys, { ...(options.date ? { date: options.date } : {}), ...(options.acceptSha1 !== undefined ? { acceptSha1: options.acceptSha1 } : {}) });
    checks.push(...gpgChecks);
    if (!gpgChecks.some((c) => c.valid)) {
      const reasons = gpgChecks.map((c) => (c.keyId ? `${c.keyId}: ${c.message}` : c.message));
      const allUnknown = gpgChecks.length > 0 && gpgChecks.every((c) => c.message === 'public key not found');
      fail(allUnknown ? 'GPG signatures found, but none are in trusted keyring' : `no valid GPG signature (${reasons.join('; ')})`, { type: 'gpg', reasons });
    }
  }

  if (signVerify && remote) {
    let found = false;
    const reasons: string[] = [];
    let ok = false;
    for (const type of signVerify.types) {
      const sigs = signaturesIn(meta, ED25519_METADATA_KEY);
      if (type !== ED25519_SIGN_TYPE || sigs.length === 0) continue;
      found = true;
      const { trusted, revoked } = await ed25519KeysFor(remote, signVerify.explicit, options);
      const check = verifyEd25519(signedBytes, sigs, trusted, revoked);
      checks.push({ type: 'ed25519', valid: check.valid, ...(check.key ? { key: check.key.base64 } : {}), message: check.message });
      if (check.valid) {
        ok = true;
        break;
      }
      reasons.push(check.message);
    }
    if (!found) fail('No signatures found', { type: 'ed25519', reasons });
    if (!ok) fail(reasons.join('; '), { type: 'ed25519', reasons });
  }
  return { required: true, checks };
}

/**
 * Checks a pulled commit against what `remote` requires (see the module comment). `detachedMetadata`
 * is the fetched `.commitmeta` bytes, undefined if the server has none. Returns `{required:false}`
 * when nothing is required; throws SignatureInvalidError (data: commit, remote, type, reasons) when
 * a required signature is missing, invalid, made by an unknown or revoked key, or the metadata is
 * garbage; ChecksumMismatchError if `commitBytes` are not the commit `commitChecksum`.
 */
export async function verifyCommitSignatures(
  repo: Repo,
  remote: Remote | string | undefined,
  commitChecksum: string,
  commitBytes: Uint8Array,
  detachedMetadata: Uint8Array | undefined,
  options: RemoteVerifyOptions = {},
): Promise<SignatureVerifyResult> {
  const r = resolveRemote(repo, remote);
  const policy = remoteSignaturePolicy(r);
  const needGpg = options.gpgVerify ?? policy.gpgVerify;
  if (!needGpg && !policy.signVerify) return { required: false, checks: [] };
  const actual = sha256Hex(commitBytes);
  if (actual !== commitChecksum) {
    throw new ChecksumMismatchError(`commit ${commitChecksum}: bytes hash to ${actual}`, { data: { expected: commitChecksum, actual } });
  }
  return verifySigned(
    repo,
    r,
    commitBytes,
    detachedMetadata,
    needGpg,
    r ? policy.signVerify : null,
    { what: `Commit ${commitChecksum}`, data: { commit: commitChecksum }, gpgOffHint: 'use gpg-verify=false in remote config to disable' },
    options,
  );
}

/**
 * Checks a fetched `summary` against `summary.sig` (undefined if the server has none) as `remote`
 * requires (`gpg-verify-summary`, `sign-verify-summary`). Same result and errors as
 * {@link verifyCommitSignatures}.
 */
export async function verifySummarySignatures(
  repo: Repo,
  remote: Remote | string | undefined,
  summaryBytes: Uint8Array,
  summarySig: Uint8Array | undefined,
  options: RemoteVerifyOptions = {},
): Promise<SignatureVerifyResult> {
  const r = resolveRemote(repo, remote);
  const policy = remoteSignaturePolicy(r);
  const needGpg = options.gpgVerifySummary ?? policy.gpgVerifySummary;
  return verifySigned(
    repo,
    r,
    summaryBytes,
    summarySig,
    needGpg,
    r ? policy.signVerifySummary : null,
    { what: 'summary', data: { summary: true }, gpgOffHint: 'use gpg-verify-summary=false in remote config to disable' },
    options,
  );
}
