export { looseObjectPath, isChecksum, assertChecksum, isObjectType } from './format/object-path.js';
export type { ObjectType } from './format/object-path.js';

// Repository / I-O layer
export { KeyFile } from './keyfile.js';
export { Repo, REPO_MODES, parseRepoMode, repoModeConfigName } from './repo.js';
export type { RepoMode, RepoOpenOptions, RepoInitOptions } from './repo.js';
export {
  isValidRefName,
  assertRefName,
  isValidRemoteName,
  assertRemoteName,
  parseRefspec,
  formatRefspec,
  readRef,
  writeRef,
  listRefs,
  listMirrorRefs,
  resolveRev,
} from './repo-refs.js';
export type { RefSpec, ResolveRevOptions } from './repo-refs.js';
export { addRemote, deleteRemote, listRemotes, getRemote } from './repo-remotes.js';
export type { Remote, RemoteAddOptions } from './repo-remotes.js';
export { lockRepo, withRepoLock } from './repo-lock.js';
export type { LockMode, RepoLock, RepoLockOptions } from './repo-lock.js';
export { nodeXattrs, noXattrs } from './xattrs.js';
export type { Xattr, XattrPort } from './xattrs.js';

// GVariant (normal form, GLib-compatible)
export { parseType, tryParseType, isSignature, isObjectPath, GVARIANT_MAX_DEPTH } from './format/gvariant/type.js';
export type { GVariantType, GVariantBasicCode } from './format/gvariant/type.js';
export { Variant, vardict, vardictLookup, vardictGet, gvariantEqual } from './format/gvariant/value.js';
export type { GVariantValue, VarDict } from './format/gvariant/value.js';
export { serializeGVariant } from './format/gvariant/serialize.js';
export { parseGVariant, isGVariantNormal, GVariantReader, gvariantOffsetSize } from './format/gvariant/parse.js';
