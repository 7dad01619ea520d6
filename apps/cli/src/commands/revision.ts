// rpm-ostree's revision arguments (`deploy REVISION`, `rebase REFSPEC [REVISION]`) and origin edits.
import { InvalidArgumentError, NotFoundError } from '@tsostree/errors';
import { KeyFile, hasObject, isChecksum, loadCommit, parseRefspec, pullRemote, resolveCommit, vardictGet, type Repo } from '@tsostree/objstore';

export type ParsedRevision = { kind: 'checksum'; value: string } | { kind: 'version'; value: string };

/** `revision=CSUM`, `version=V`, a bare 64-hex checksum, or else a version string (rpm-ostree's rules). */
export function parseRevision(text: string): ParsedRevision {
  if (text.startsWith('revision=')) {
    const value = text.slice('revision='.length);
    if (!isChecksum(value)) throw new InvalidArgumentError(`Invalid checksum ${JSON.stringify(value)}`);
    return { kind: 'checksum', value };
  }
  if (text.startsWith('version=')) return nonEmptyVersion(text.slice('version='.length));
  if (isChecksum(text)) return { kind: 'checksum', value: text };
  return nonEmptyVersion(text);
}

function nonEmptyVersion(value: string): ParsedRevision {
  if (value === '' || /[\0\n]/.test(value)) throw new InvalidArgumentError(`Invalid version ${JSON.stringify(value)}`);
  return { kind: 'version', value };
}

/** The most commits walked back through a branch's history when looking up a version. */
export const MAX_HISTORY_WALK = 10_000;

/**
 * The commit a revision names on `refspec`'s branch: a checksum must exist in the repository; a
 * version is searched newest-first through the branch's (locally available) history.
 */
export async function resolveRevision(repo: Repo, refspec: string, revision: ParsedRevision): Promise<string> {
  if (revision.kind === 'checksum') {
    try {
      await loadCommit(repo, revision.value);
    } catch (error) {
      throw new NotFoundError(`Commit ${revision.value} not found in the repository`, { cause: error, data: { checksum: revision.value } });
    }
    return revision.value;
  }
  let current: string | null = await resolveCommit(repo, refspec);
  for (let depth = 0; current !== null && depth < MAX_HISTORY_WALK; depth++) {
    let commit;
    try {
      commit = await loadCommit(repo, current);
    } catch {
      break; // the history is truncated here (a shallow pull)
    }
    if (vardictGet(commit.metadata, 'version', 's') === revision.value) return current;
    current = commit.parent;
  }
  throw new NotFoundError(`Version ${revision.value} not found in ${refspec}`, { data: { version: revision.value, refspec } });
}

/**
 * A new deployment's origin from the base deployment's: a copy without the transient group (pins do
 * not carry over), with `refspec` changed and `override-commit` set or cleared.
 */
export function derivedOrigin(base: KeyFile | undefined, change: { refspec?: string; overrideCommit?: string | null }): KeyFile {
  const origin = KeyFile.parse(base ? base.toString() : '');
  origin.removeGroup('libostree-transient');
  if (change.refspec !== undefined) {
    parseRefspec(change.refspec); // validates
    origin.removeKey('origin', 'baserefspec');
    origin.setString('origin', 'refspec', change.refspec);
  }
  if (change.overrideCommit === null) origin.removeKey('origin', 'override-commit');
  else if (change.overrideCommit !== undefined) origin.setString('origin', 'override-commit', change.overrideCommit);
  return origin;
}

/**
 * Like {@link resolveRevision}, pulling first when the refspec names a remote (rpm-ostree's deploy):
 * a version is looked up in the branch's whole history (commit objects only), then the chosen
 * commit is pulled in full.
 */
export async function fetchRevision(repo: Repo, refspec: string, revision: ParsedRevision, opts: { pull?: boolean; keysRoot?: string } = {}): Promise<string> {
  const { remote, ref } = parseRefspec(refspec);
  const pull = remote !== undefined && opts.pull !== false;
  const signatureOptions = { keysRoot: opts.keysRoot ?? '/' };
  if (pull && revision.kind === 'version') {
    await pullRemote(repo, remote, { refs: [ref], depth: -1, commitMetadataOnly: true, signatureOptions });
  }
  if (pull && revision.kind === 'checksum' && !(await hasObject(repo, 'commit', revision.value))) {
    await pullRemote(repo, remote, { refs: [revision.value], signatureOptions });
  }
  const target = await resolveRevision(repo, refspec, revision);
  if (pull) await pullRemote(repo, remote, { refs: [target], signatureOptions });
  return target;
}
