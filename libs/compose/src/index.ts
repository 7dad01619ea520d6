export { substituteVars } from './treefile-vars.js';
export type {
  Treefile,
  VarValue,
  JsonValue,
  BootLocation,
  RpmdbBackend,
  OptUsrLocal,
  RepoMetadataTarget,
  CheckPasswd,
  RepoPackages,
} from './format/treefile-types.js';
export { parseTreefile, treefileFormat, splitPackages, parseIncludeCondition, MAX_TREEFILE_BYTES } from './format/treefile-parse.js';
export type { TreefileFragment, SourceLocation, ParseTreefileOptions, ConditionalInclude, IncludeCondition } from './format/treefile-parse.js';
export { mergeTreefileFragment, finalizeTreefile, evaluateCondition, addFilesPathIsValid } from './format/treefile-merge.js';
export { TREEFILE_KEYS, LEGACY_KEYS, INCLUDE_MAX_DEPTH } from './format/treefile-schema.js';
export { loadTreefile, hostBasearch } from './treefile-load.js';
export type { LoadTreefileOptions, LoadedTreefile, TreefileExternals } from './treefile-load.js';
// composepost: scriptlets, bubblewrap, passwd/group handling
export { runScriptlets, checkScriptlets } from './scriptlets-run.js';
export type { ScriptletPhase, ScriptletPackage, ScriptletProgress, RunScriptletsOptions, RunScriptletsResult } from './scriptlets-run.js';
export { runInRoot, bwrapArgv } from './bwrap-run.js';
export type { BwrapRunOptions, BwrapRunResult } from './bwrap-run.js';
export {
  parsePasswd,
  parseGroup,
  formatPasswd,
  formatGroup,
  splitPasswd,
  splitGroup,
  nsswitchAddAltfiles,
  passwdIds,
  checkPasswdEntries,
} from './format/passwd.js';
export type { PasswdEntry, GroupEntry, PasswdIds, PasswdCheckResult } from './format/passwd.js';
export { postprocessRoot } from './postprocess/postprocess-root.js';
export type { PostprocessTreefile, PostprocessOptions, PostprocessResult, PostprocessProgress } from './postprocess/postprocess-root.js';
export type { KernelResult } from './postprocess/postprocess-kernel.js';
export { tmpfilesLine, tmpfilesConf, shellQuoteIfNeeded } from './format/tmpfiles.js';
export type { TmpfilesEntry } from './format/tmpfiles.js';
export {
  treePathComponents,
  resolveInTree,
  writeFileInTree,
  symlinkInTree,
  removeInTree,
} from './postprocess/root-path.js';
export {
  PKGLIST_KEY,
  PKGLIST_TYPE,
  comparePackages,
  sortPackages,
  packageEvr,
  packageNevra as packageEntryNevra,
  pkglistRows,
  pkglistFromRows,
  diffPackageLists,
  formatDiffBlock,
  formatDiffLines,
  formatDiffJson,
  diffVariantValue,
  jsonGlibPretty,
  formatPackageList,
} from './format/pkglist.js';
export type { PackageEntry, PackageDiff } from './format/pkglist.js';
export { readCommitPackages, pkglistVariant, packageEntriesFromHeaders, rpmdbVersion } from './db-read.js';
export type { CommitPackages } from './db-read.js';
export { readCommitPasswd } from './commit-passwd.js';
export { parseRepoFile, substituteRepoVars } from './format/repo-file.js';
export type { RepoConfig } from './format/repo-file.js';
export { loadRepos, readRepoFiles } from './repo-load.js';
export type { LoadedRepo, LoadReposOptions, RepoLoadProgress } from './repo-load.js';
export { resolvePackages, formatProblems, formatRpmMdDependency, matchesPackageGlob } from './compose-resolve.js';
export type { ResolvedPackage, ResolveOptions } from './compose-resolve.js';
export { downloadPackages, packageUrl } from './compose-download.js';
export type { DownloadedPackage, DownloadOptions, DownloadProgress } from './compose-download.js';
export {
  installPackages,
  applyFileOwners,
  writeTreeRpmdb,
  installedHeaders,
  resolveInRoot,
  fileLangWanted,
  transactionColor,
  TREE_RPMDB_PATH,
} from './compose-install.js';
export type { InstalledPackage, InstallOptions, InstallProgress } from './compose-install.js';
export {
  composeInputHash,
  expandVersionDate,
  nextVersion,
  rpmmdReposVariant,
  jsonToVariant,
  u64BE,
  i64BE,
} from './format/commit-metadata.js';
export { composeTree, defaultScriptlets, defaultPostprocess } from './compose-tree.js';
export type { ComposeTreeOptions, ComposeTreeResult, ComposeProgress, ComposeContext, ComposePostprocessResult } from './compose-tree.js';
export { openUrl, fetchBytes, joinUrl } from './url-fetch.js';
export type { OpenUrlOptions, UrlStream } from './url-fetch.js';
