// Where upgrades come from: a deployment's origin refspec, pulled over HTTP when it names a remote
// (`remote:ref`), else read from the sysroot repository's local ref.
import { InvalidArgumentError, NotFoundError, UnsupportedError } from '@tsostree/errors';
import { loadCommit, parseRefspec, pullRemote, resolveCommit, vardictGet, type KeyFile, type Repo } from '@tsostree/objstore';
import type { Deployment, Sysroot } from '@tsostree/sysroot';

/** The base deployment of an rpm-ostree style verb: the booted one, else the stateroot's merge deployment. */
export function baseDeployment(sysroot: Sysroot, stateroot: string | undefined): Deployment {
  const os = sysroot.resolveStateroot(stateroot);
  const merge = sysroot.mergeDeployment(os);
  if (!merge) throw new NotFoundError(`No previous deployment for OS '${os}'`, { data: { stateroot: os } });
  return merge;
}

/** The origin's refspec, or the errors ostree gives when there is none. */
export function requireRefspec(d: Deployment): { origin: KeyFile; refspec: string } {
  if (!d.origin) throw new InvalidArgumentError(`No origin known for deployment ${d.checksum}.${d.serial}`);
  const refspec = d.origin.getString('origin', 'refspec');
  if (refspec === undefined) {
    if (d.origin.getString('origin', 'baserefspec') !== undefined) {
      throw new UnsupportedError('This deployment has layered packages (origin baserefspec); package layering is not supported by this command yet');
    }
    throw new InvalidArgumentError('No origin/refspec in current deployment origin; cannot upgrade via ostree');
  }
  return { origin: d.origin, refspec };
}

export interface FetchOptions {
  /** Pull `remote:ref` refspecs from their remote first (default true). */
  pull?: boolean;
  /** The root whose trusted-key places verify signatures (`/` like ostree). */
  keysRoot?: string;
  signal?: AbortSignal;
}

/** Pulls the refspec's remote ref when it has one, then returns the commit it points to. */
export async function fetchRefspec(repo: Repo, refspec: string, opts: FetchOptions = {}): Promise<string> {
  const { remote, ref } = parseRefspec(refspec);
  if (remote !== undefined && opts.pull !== false) {
    await pullRemote(repo, remote, { refs: [ref], signatureOptions: { keysRoot: opts.keysRoot ?? '/' }, ...(opts.signal ? { signal: opts.signal } : {}) });
  }
  try {
    return await resolveCommit(repo, refspec);
  } catch (error) {
    throw new NotFoundError(`Refspec ${refspec} not found in the sysroot repository`, { cause: error, data: { refspec } });
  }
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Refuses to move to an older commit, as ostree's upgrader does unless downgrades are allowed. */
export async function checkNotOlder(repo: Repo, current: string, target: string): Promise<void> {
  const [a, b] = await Promise.all([loadCommit(repo, current), loadCommit(repo, target)]);
  if (b.timestamp < a.timestamp) {
    throw new InvalidArgumentError(
      `Upgrade target revision '${target}' with timestamp '${isoTime(b.timestamp)}' is chronologically older than current revision ` +
        `'${current}' with timestamp '${isoTime(a.timestamp)}'; use --allow-downgrade to permit`,
    );
  }
}

/** A commit's version metadata, for messages. */
export async function versionOf(repo: Repo, checksum: string): Promise<string | undefined> {
  const v = vardictGet((await loadCommit(repo, checksum)).metadata, 'version', 's');
  return typeof v === 'string' ? v : undefined;
}
