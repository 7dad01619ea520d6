import { readFileSync } from 'node:fs';
import {
  Repo,
  findGpgSecretKey,
  gpgSignCommit,
  gpgVerifyCommit,
  readGpgPublicKeys,
  readGpgSecretKeys,
  signSummary,
  updateSummary,
} from '@tsostree/objstore';

/** Signs every commit with one key from a secret keyring (what `ostree gpg-sign` does per commit). */
export async function gpgSignAll(repoPath: string, commits: string[], secring: string, keyId: string): Promise<{ units: number }> {
  const repo = await Repo.open(repoPath);
  const key = findGpgSecretKey(await readGpgSecretKeys(new Uint8Array(readFileSync(secring))), keyId);
  for (const c of commits) await gpgSignCommit(repo, c, [key]);
  return { units: commits.length };
}

/** Verifies every commit's signatures against a keyring (the check `ostree show --gpg-homedir` makes). */
export async function gpgVerifyAll(repoPath: string, commits: string[], pubring: string): Promise<{ units: number; valid: number }> {
  const repo = await Repo.open(repoPath);
  const keys = await readGpgPublicKeys(new Uint8Array(readFileSync(pubring)));
  let valid = 0;
  for (const c of commits) valid += (await gpgVerifyCommit(repo, c, keys)).checks.filter((x) => x.valid).length;
  return { units: commits.length, valid };
}

/** `summary -u --gpg-sign`. */
export async function summaryGpgSign(repoPath: string, secring: string, keyId: string): Promise<{ units: number }> {
  const repo = await Repo.open(repoPath);
  const key = findGpgSecretKey(await readGpgSecretKeys(new Uint8Array(readFileSync(secring))), keyId);
  await updateSummary(repo);
  await signSummary(repo, { gpgKeys: [key] });
  return { units: 1 };
}
