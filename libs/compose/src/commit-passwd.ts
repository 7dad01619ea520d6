// The previous commit's users and groups, for check-passwd / check-groups `previous` (rpm-ostree compares the
// new tree's usr/lib/passwd and usr/lib/group with the previous commit's).
import { InvalidArgumentError, isTsostreeError, NotFoundError } from '@tsostree/errors';
import { catFile, type Repo } from '@tsostree/objstore';

/** Bigger than any sane passwd/group file. */
const MAX_BYTES = 16 * 1024 * 1024;

/** A (small) text file of a commit, undefined when it does not exist. */
export async function readCommitTextFile(repo: Repo, rev: string, path: string): Promise<string | undefined> {
  let stream;
  try {
    stream = await catFile(repo, rev, path);
  } catch (err) {
    if (isTsostreeError(err, NotFoundError.code) || isTsostreeError(err, InvalidArgumentError.code)) return undefined;
    throw err;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_BYTES) throw new InvalidArgumentError(`${path} in ${rev} is larger than ${MAX_BYTES} bytes`, { data: { path } });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `usr/lib/passwd` and `usr/lib/group` of a commit (undefined when absent), for `postprocessRoot`'s `previous`. */
export async function readCommitPasswd(repo: Repo, rev: string): Promise<{ passwd?: string; group?: string }> {
  const [passwd, group] = await Promise.all([readCommitTextFile(repo, rev, 'usr/lib/passwd'), readCommitTextFile(repo, rev, 'usr/lib/group')]);
  return { ...(passwd !== undefined ? { passwd } : {}), ...(group !== undefined ? { group } : {}) };
}
