import { SignatureInvalidError } from '@tsostree/errors';
import type { Remote } from '../repo-remotes.js';
import type { Repo } from '../repo.js';
import { remoteSignaturePolicy, verifyCommitSignatures, verifySummarySignatures, type RemoteVerifyOptions } from '../sign/remote-verify.js';

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

/**
 * The verifier pull uses for a configured remote when the caller passes none: what the remote's
 * options require (`gpg-verify`, default true like ostree; `gpg-verify-summary`; `sign-verify`,
 * `sign-verify-summary`; keys from `<remote>.trustedkeys.gpg`, `gpgkeypath`,
 * `verification-ed25519-key/-file`, and the system key places under `options.keysRoot`).
 * Undefined when the remote requires nothing.
 */
export function defaultRemoteVerifier(repo: Repo, remote: Remote, options: RemoteVerifyOptions = {}): PullVerifier | undefined {
  const policy = remoteSignaturePolicy(remote);
  const commits = (options.gpgVerify ?? policy.gpgVerify) || policy.signVerify !== null;
  const summary = (options.gpgVerifySummary ?? policy.gpgVerifySummary) || policy.signVerifySummary !== null;
  if (!commits && !summary) return undefined;
  const verifier: PullVerifier = {};
  if (commits) {
    verifier.verifyCommit = async (checksum, bytes, detached) => {
      await verifyCommitSignatures(repo, remote, checksum, bytes, detached, options);
    };
  }
  if (summary) {
    verifier.verifySummary = async (bytes, sig) => {
      if (!bytes) {
        throw new SignatureInvalidError(`remote "${remote.name}" requires a signed summary, but the server has no summary`, {
          data: { remote: remote.name, summary: true },
        });
      }
      await verifySummarySignatures(repo, remote, bytes, sig, options);
    };
  }
  return verifier;
}
