export { rpmvercmp, compareEvr } from './format/rpmvercmp.js';
export type { Evr } from './format/rpmvercmp.js';
export {
  COMPRESSIONS,
  compressionFromName,
  decompress,
  detectCompression,
  zstdBackend,
  type Compression,
  type DecompressOptions,
} from './compress/decompress.js';

export { TAG, SIG_TAG, TagType, tagName, sigTagName, tagNumber } from './format/tags.js';
export type { TagName, SigTagName } from './format/tags.js';
export {
  HEADER_MAGIC,
  HEADER_MAX_DATA,
  HEADER_MAX_ENTRIES,
  REGION_TAGS,
  parseHeader,
  serializeHeader,
  buildRegionHeader,
  makeEntry,
  headerString,
  headerStrings,
  headerNumber,
  headerNumbers,
  headerBytes,
} from './format/header.js';
export type { Header, HeaderEntry, TagValue, ParseHeaderOptions } from './format/header.js';
export {
  LEAD_SIZE,
  LEAD_MAGIC,
  parseLead,
  serializeLead,
  headerSizeAt,
  signaturePadding,
  packageBytesNeeded,
  parsePackageHeaders,
} from './format/package.js';
export type { RpmLead, RpmPackageHeaders } from './format/package.js';
export {
  DepFlag,
  FileFlag,
  DIGEST_ALGOS,
  DEPENDENCY_KINDS,
  isSourcePackage,
  packageNevra,
  formatNevra,
  packageDependencies,
  senseComparison,
  formatDependency,
  fileDigestAlgo,
  packageFiles,
  hardlinkGroups,
  packageScriptlets,
  packageTriggers,
  packageFileTriggers,
  payloadInfo,
  packageSummary,
} from './format/package-info.js';
export type {
  Nevra,
  DependencyKind,
  Dependency,
  RpmFileEntry,
  ScriptletKind,
  Scriptlet,
  TriggerKind,
  Trigger,
  FileTriggerKind,
  FileTrigger,
  PayloadInfo,
  PackageSummary,
} from './format/package-info.js';
export { readPackageHeaders, readPackageHeadersFrom } from './package-read.js';

export {
  localRepo,
  parseFilelistsStream,
  parseOtherStream,
  parsePrimaryStream,
  readFilelists,
  readOther,
  readPrimary,
  readRepoMd,
  repoData,
  streamRepoData,
  type ReadRepoOptions,
  type RepoSource,
  type RpmMdProgress,
} from './repomd/repo-read.js';
export { parseRepoMd } from './repomd/repomd-xml.js';
export type { XmlLimits } from './repomd/xml-stream.js';
export type { PackageLimits } from './repomd/primary-xml.js';
export * from './repomd/types.js';

export { readCpio, buildCpio, cpioNewcHeader, ByteReader, CPIO_MAX_NAME } from './format/cpio.js';
export type { CpioEntry, CpioItem, ReadCpioOptions } from './format/cpio.js';
export { CAPABILITY_NAMES, parseCapsText, capsTextToXattr } from './format/file-caps.js';
export type { FileCaps } from './format/file-caps.js';
export { readPayload, readPayloadFiles, archivePathToFilePath } from './payload-read.js';
export type { ReadPayloadOptions, PayloadFile } from './payload-read.js';
export { extractPackage, safePathComponents, RootOwners } from './payload-extract.js';
export type { ExtractOptions, ExtractProgress, ExtractResult } from './payload-extract.js';
export { verifyPackage, readKeyring, packageSignatureKeyIds } from './package-verify.js';
export type { VerifyPackageOptions, VerifyPackageResult, SignatureCheck } from './package-verify.js';

export { Rpmdb, readRpmdb, writeRpmdb, RPMDB_SQLITE_FILE, type InstalledPackage, type OpenRpmdbOptions } from './rpmdb/rpmdb-sqlite.js';
export { installedHeader, mergedSignatureTag, FileState, type InstallOptions } from './rpmdb/installed-header.js';
export {
  RPMDB_INDEXES,
  indexRows,
  allIndexRows,
  isTransientRequire,
  richDependencyIndexNames,
  type RpmdbIndexName,
  type IndexRow,
} from './rpmdb/rpmdb-index.js';
export { signatureInfo } from './format/signature-info.js';
export type { SignatureInfo } from './format/signature-info.js';
