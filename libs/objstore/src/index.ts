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
  listRefAliases,
  createRefAlias,
} from './repo-refs.js';
export type { RefSpec, ResolveRevOptions } from './repo-refs.js';
export { addRemote, deleteRemote, listRemotes, getRemote } from './repo-remotes.js';
export type { Remote, RemoteAddOptions } from './repo-remotes.js';
export { lockRepo, withRepoLock } from './repo-lock.js';
export type { LockMode, RepoLock, RepoLockOptions } from './repo-lock.js';
export { nodeXattrs, noXattrs } from './xattrs.js';
export type { Xattr, XattrPort } from './xattrs.js';
export {
  objectPath,
  hasObject,
  writeMetadataObject,
  readMetadataObject,
  writeCommitMeta,
  readCommitMeta,
  deleteObject,
  listObjects,
  commitsWithPrefix,
  linkObject,
  deleteCommitObject,
  withMetadataCache,
  syncFilesystem,
} from './repo-objects.js';
export type { MetadataObjectType, ObjectName, ReadObjectOptions } from './repo-objects.js';
export { storeContent, storeFileFromPath, openContent, verifyContent, SMALL_FILE_LIMIT } from './repo-content.js';
export type { ContentMeta, OpenedContent } from './repo-content.js';
export { MutableTree } from './mutable-tree.js';
export { commitDirectory, loadCommit, commitParent } from './repo-commit.js';
export type { CommitOptions, CommitResult, CommitProgress, TreeSource } from './repo-commit.js';
export { checkoutCommit } from './repo-checkout.js';
export type { CheckoutOptions } from './repo-checkout.js';
export { nativeLinkerProblem } from './checkout-native.js';
export { traverseCommit, traverseDirTree, objectKey, parseObjectKey } from './repo-traverse.js';
export type { ObjectSet, TraverseOptions } from './repo-traverse.js';
export { fsckRepo, isPartial } from './repo-fsck.js';
export type { FsckOptions, FsckResult, FsckProblem, FsckProblemKind } from './repo-fsck.js';
export { pruneRepo } from './repo-prune.js';
export { cleanupRepoTmp, tmpExpirySecs, DEFAULT_TMP_EXPIRY_SECS } from './repo-tmp-cleanup.js';
export type { TmpCleanupResult } from './repo-tmp-cleanup.js';
export type { PruneOptions, PruneResult } from './repo-prune.js';
export { updateSummary, readSummary } from './repo-summary.js';
export type { SummaryUpdateOptions } from './repo-summary.js';
export { listTree, catFile, diffCommits, resolveCommit } from './repo-inspect.js';
export type { TreeEntry, TreeDiff } from './repo-inspect.js';

// GVariant (normal form, GLib-compatible)
export { parseType, tryParseType, isSignature, isObjectPath, GVARIANT_MAX_DEPTH } from './format/gvariant/type.js';
export type { GVariantType, GVariantBasicCode } from './format/gvariant/type.js';
export { Variant, vardict, vardictLookup, vardictGet, gvariantEqual } from './format/gvariant/value.js';
export type { GVariantValue, VarDict } from './format/gvariant/value.js';
export { serializeGVariant } from './format/gvariant/serialize.js';
export { parseGVariant, isGVariantNormal, GVariantReader, gvariantOffsetSize } from './format/gvariant/parse.js';

// Object formats (pure bytes ↔ values)
export {
  OSTREE_SHA256_DIGEST_LEN,
  OSTREE_SHA256_STRING_LEN,
  OSTREE_MAX_METADATA_SIZE,
  OSTREE_MAX_METADATA_WARN_SIZE,
  OSTREE_MAX_RECURSION,
  checksumFromBytes,
  checksumToBytes,
  checksumToMb64,
  checksumFromMb64,
  sha256Hex,
  assertMetadataSize,
} from './format/checksum.js';
export { compareNames, sortByName, canonicalizeXattrs, xattrsToGVariant, xattrsFromGVariant, serializeFileXattrs, parseFileXattrs } from './format/xattrs.js';
export type { XattrEntry } from './format/xattrs.js';
export {
  S_IFMT,
  S_IFDIR,
  S_IFREG,
  S_IFLNK,
  filenameProblem,
  isValidFilename,
  assertFilename,
  assertFileMode,
  assertDirMode,
  bswap32,
  bswap64,
} from './format/validate.js';
export { DIRMETA_GVARIANT_TYPE, FILEMETA_GVARIANT_TYPE, serializeDirMeta, parseDirMeta, serializeFileMeta, parseFileMeta } from './format/dirmeta.js';
export type { DirMeta, FileMeta } from './format/dirmeta.js';
export { DIRTREE_GVARIANT_TYPE, serializeDirTree, parseDirTree } from './format/dirtree.js';
export type { DirTree, DirTreeFile, DirTreeDir } from './format/dirtree.js';
export { COMMIT_GVARIANT_TYPE, serializeCommit, parseCommit } from './format/commit.js';
export type { Commit, CommitRelated } from './format/commit.js';
export {
  FILE_HEADER_GVARIANT_TYPE,
  FILEZ_HEADER_GVARIANT_TYPE,
  MAX_SYMLINK_TARGET,
  serializeFileHeader,
  fileHeaderStreamPrefix,
  serializeFilezHeader,
  framedHeaderLength,
  parseFileHeader,
  parseFileHeaderStream,
  parseFilezHeader,
  createContentHasher,
  contentChecksum,
  contentChecksumStream,
} from './format/file-header.js';
export type { FileHeader, FilezHeader } from './format/file-header.js';
export { FILEZ_COMPRESSION_LEVEL, createFilezDeflate, createFilezInflate, encodeFilez, decodeFilez } from './format/filez.js';
export type { DecodedFilez } from './format/filez.js';
export {
  VARDICT_GVARIANT_TYPE,
  META_KEYS,
  serializeVarDict,
  parseVarDict,
  serializeDetachedMetadata,
  parseDetachedMetadata,
  serializeSummarySignatures,
  parseSummarySignatures,
  variantString,
  variantStrings,
  variantBool,
  variantBytes,
  variantByteArrays,
  variantU64BE,
  vardictU64BE,
  serializeTombstone,
  parseTombstone,
} from './format/metadata.js';
export { SUMMARY_GVARIANT_TYPE, SUMMARY_KEYS, serializeSummary, parseSummary, summaryRefFromCommit, summaryMetadata } from './format/summary.js';
export type { Summary, SummaryRef, SummaryMetadataOptions } from './format/summary.js';
export { commitToGVariant, commitFromGVariant } from './format/commit.js';
export { readVarUint, writeVarUint } from './format/varint.js';
export {
  DELTA_SUPERBLOCK_GVARIANT_TYPE,
  DELTA_PART_PAYLOAD_GVARIANT_TYPE,
  DELTA_SIGNED_SUPERBLOCK_GVARIANT_TYPE,
  DELTA_SIGNED_MAGIC,
  DELTA_PART_MAX_UNCOMPRESSED,
  OBJECT_TYPE_CODES,
  staticDeltaName,
  parseStaticDeltaName,
  staticDeltaDir,
  deltaIndexPath,
  deltaDeclaredByteOrder,
  parseDeltaSuperblock,
  serializeDeltaSuperblock,
  deltaInlinePart,
  parseDeltaPartHeader,
  parseDeltaPartPayload,
  serializeDeltaPartPayload,
  decodeDeltaOps,
  encodeDeltaOps,
  serializeDeltaIndex,
  parseDeltaIndex,
  serializeSignedSuperblock,
  parseSignedSuperblock,
} from './format/static-delta.js';
export type {
  DeltaObjectType,
  DeltaObject,
  DeltaPartMeta,
  DeltaFallback,
  DeltaSuperblock,
  DeltaCompression,
  DeltaMode,
  DeltaPartPayload,
  DeltaOp,
} from './format/static-delta.js';
export { formatGVariantText, formatDouble } from './format/gvariant/text.js';
export { parseGVariantText } from './format/gvariant/text-parse.js';
export { COMMIT_SIZES_KEY, parseCommitSizes, commitSizesVariant } from './format/commit-sizes.js';
export type { CommitSizeEntry } from './format/commit-sizes.js';

// Signatures (ed25519 as `ostree sign`, OpenPGP as `ostree gpg-sign`; commit and summary)
export {
  ED25519_SIGN_TYPE,
  ED25519_METADATA_KEY,
  ED25519_METADATA_FORMAT,
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SECRET_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  Ed25519PublicKey,
  Ed25519SecretKey,
  generateEd25519Key,
  verifyEd25519,
  decodeBase64Lenient,
} from './sign/ed25519.js';
export type { Ed25519Check } from './sign/ed25519.js';
export { ed25519KeyBaseDirs, readEd25519PublicKeyFile, readEd25519SecretKeyFile, loadEd25519KeyDirs } from './sign/ed25519-keys.js';
export type { Ed25519KeySet } from './sign/ed25519-keys.js';
export {
  GPG_METADATA_KEY,
  GPG_METADATA_FORMAT,
  readGpgPublicKeys,
  readGpgSecretKeys,
  gpgKeyMatches,
  findGpgSecretKey,
  gpgSignData,
  verifyGpgSignatures,
  gpgSignatureKeyIds,
  gpgAlgorithmName,
} from './sign/gpg.js';
export type { GpgPublicKey, GpgSecretKey, GpgSignatureCheck, GpgSignatureStatus, GpgVerifyOptions } from './sign/gpg.js';
export { loadRemoteGpgKeys, importRemoteGpgKeys, listRemoteGpgKeys } from './sign/gpg-keyrings.js';
export type { RemoteGpgKeyOptions } from './sign/gpg-keyrings.js';
export { parseSignatureMetadata, signaturesIn, appendSignatures, filterSignatures, MAX_SIGNATURES } from './sign/signature-metadata.js';
export {
  readDetachedMetadata,
  ed25519SignCommit,
  ed25519VerifyCommit,
  ed25519DeleteCommitSignatures,
  loadEd25519VerifyKeys,
  gpgSignCommit,
  gpgDeleteCommitSignatures,
  gpgVerifyCommit,
} from './sign/commit-sign.js';
export type { Ed25519VerifyKeys } from './sign/commit-sign.js';
export { readSummarySignatures, removeSummarySignatures, signSummary } from './sign/summary-sign.js';
export type { SummarySignOptions } from './sign/summary-sign.js';
export { SIGN_TYPES, remoteSignaturePolicy, verifyCommitSignatures, verifySummarySignatures } from './sign/remote-verify.js';
export type { SignatureCheck, SignatureVerifyResult, SignaturePolicy, RemoteVerifyOptions } from './sign/remote-verify.js';
export { isSignedDeltaSuperblock, signDeltaSuperblock, deltaSignatureTypes, verifyDeltaSuperblock } from './sign/delta-sign.js';

// Pull (HTTP and local)
export { Fetcher, createFetcher, joinUrl } from './pull/fetcher.js';
export type { FetcherOptions, FetchOptions, BodyFetchOptions, FetchedBody, FetcherStats } from './pull/fetcher.js';
export { pullRemote, pullLocal } from './pull/repo-pull.js';
export type { PullOptions, PullLocalOptions, PullCommonOptions, PullResult, PulledRef } from './pull/repo-pull.js';
export { PullEngine } from './pull/pull-engine.js';
export type { PullEngineOptions, PullProgress } from './pull/pull-engine.js';
export { HttpPullSource, LocalPullSource } from './pull/pull-source.js';
export type { PullSource, PullMetadataType, FetchedContent } from './pull/pull-source.js';
export { defaultRemoteVerifier } from './pull/pull-verify.js';
export type { PullVerifier } from './pull/pull-verify.js';
export { verifyMetadataBytes, verifyFilezBytes, verifyFilezFile, storeVerifiedFilez, storeVerifiedContent, CONTENT_MEMORY_LIMIT } from './pull/pull-store.js';
export type { VerifiedContent } from './pull/pull-store.js';

// Static deltas: apply (any repo mode), offline sources, bsdiff, xz
export { applyStaticDelta, openDeltaPart, readSuperblockBytes } from './delta/delta-apply.js';
export type { DeltaSource, DeltaApplyOptions, DeltaApplyResult, DeltaApplyEvent } from './delta/delta-apply.js';
export { applyStaticDeltaOffline, deltaSourceFromPath } from './delta/delta-offline.js';
export { bsdiff, bspatch } from './delta/bsdiff.js';
export { xzCompress, xzDecompress } from './delta/delta-xz.js';
export { generateStaticDelta } from './delta/delta-generate.js';
export type { DeltaGenerateOptions, DeltaGenerateResult, DeltaGenerateEvent } from './delta/delta-generate.js';
export { listStaticDeltas, showStaticDelta, readStaticDeltaSuperblock, staticDeltaDigests, reindexStaticDeltas, formatSize } from './delta/delta-list.js';
export type { StaticDeltaEntry } from './delta/delta-list.js';
export { pullStaticDelta } from './delta/delta-pull.js';
export type { DeltaPullResult } from './delta/delta-pull.js';
