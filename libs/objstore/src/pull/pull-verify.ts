import { UnsupportedError } from '@tsostree/errors';
import type { Remote } from '../repo-remotes.js';
import type { Repo } from '../repo.js';

/**
 * The signature hook of pull. Each method throws (a SignatureInvalidError) to refuse; pull calls
 * them after the bytes are fetched and hash-checked and before anything of that commit is stored
 * or any ref moves.
 */
export interface PullVerifier {
  /** The remote's `summary` (undefined when the server has none) and `summary.sig`. */
  verifySummary?(summary: Uint8Array | undefined, signatures: Uint8Array | undefined): Promise<void>;
  /** A commit object and its detached metadata (`.commitmeta`, undefined when there is none). */
  verifyCommit?(checksum: string, commit: Uint8Array, detachedMetadata: Uint8Array | undefined): Promise<void>;
}

/** A GKeyFile boolean option with a default. */
export function remoteBoolean(options: Record<string, string>, key: string, fallback: boolean): boolean {
  const v = options[key]?.trim();
  if (v === undefined || v === '') return fallback;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return fallback;
}

/** Whether the remote's options ask for signature checks (ostree's defaults: gpg-verify=true). */
export function remoteRequiresVerification(remote: Remote): string[] {
  const o = remote.options;
  const wants: string[] = [];
  if (remoteBoolean(o, 'gpg-verify', true)) wants.push('gpg-verify');
  if (remoteBoolean(o, 'gpg-verify-summary', false)) wants.push('gpg-verify-summary');
  const sign = o['sign-verify']?.trim();
  if (sign !== undefined && sign !== '' && sign !== 'false' && sign !== '0') wants.push('sign-verify');
  if (remoteBoolean(o, 'sign-verify-summary', false)) wants.push('sign-verify-summary');
  return wants;
}

/**
 * The verifier pull uses for a configured remote when the caller passes none. Signature checking
 * lives in the signing module; until it is wired in here, a remote that asks for verification is
 * refused rather than pulled unchecked.
 */
export function defaultRemoteVerifier(_repo: Repo, remote: Remote): PullVerifier | undefined {
  const wants = remoteRequiresVerification(remote);
  if (wants.length > 0) {
    throw new UnsupportedError(
      `remote "${remote.name}" requires signature verification (${wants.join(', ')}), which is not available yet; set gpg-verify=false on the remote to pull without it`,
      { data: { remote: remote.name, options: wants } },
    );
  }
  return undefined;
}
