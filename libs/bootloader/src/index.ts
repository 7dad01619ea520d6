// Formats (pure): BLS entries, kernel arguments, and the bootloader configuration generators.
export {
  parseBlsEntry,
  writeBlsEntry,
  writeBlsEntryBytes,
  emptyBlsEntry,
  getBlsValue,
  setBlsValue,
  BLS_KNOWN_KEYS,
} from './format/bls-entry.js';
export type { BlsEntry, BlsKnownKey, ParseBlsEntryOptions } from './format/bls-entry.js';
export { sortBlsEntries, withBootDirectory } from './format/bls-sort.js';
export { strverscmp } from './format/strverscmp.js';
export {
  KernelArgs,
  splitKernelArgs,
  parseKernelArg,
  formatKernelArg,
  formatQuotedKernelArg,
  unquoteKernelArgValue,
  PROC_CMDLINE_FILTERED_PREFIXES,
} from './format/kernel-args.js';
export type { KernelArg } from './format/kernel-args.js';
export { parseOsRelease, shellUnquote } from './format/os-release.js';
export {
  buildDeploymentEntry,
  deploymentTitle,
  parseBlsAppendExceptDefault,
  nonOstreeKernelArgs,
} from './format/deployment-entry.js';
export type { DeploymentEntryInput, KernelLayoutNames } from './format/deployment-entry.js';
export { generateSyslinuxConfig } from './format/syslinux-config.js';
export { generateUbootEnv, ubootTreeEnvPath } from './format/uboot-env.js';
export {
  generateGrub2Config,
  generateGrub2MenuEntries,
  grubQuote,
  grubEscapeArgs,
} from './format/grub2-config.js';
export type { Grub2ConfigOptions, Grub2MenuEntriesOptions } from './format/grub2-config.js';
export { joinLinesOstree } from './format/text.js';
export { blsEntryFilename } from './bls-entry-filename.js';
export type { BlsNaming } from './bls-entry-filename.js';

// The backend interface, the backends, detection, and the I/O helpers.
export { prepareLoaderEntries, writePendingFiles, checkWriteInput, checkAborted } from './bootloader-backend.js';
export type {
  BootloaderBackend,
  SysrootReadPort,
  SysrootWritePort,
  LoaderEntry,
  WriteConfigInput,
  PendingFile,
} from './bootloader-backend.js';
export { createBlsBackend } from './backends/bls.js';
export { createGrub2Backend, findGrub2EfiConfig, GRUB2_BIOS_CONFIG_PATHS } from './backends/grub2.js';
export type { Grub2BackendOptions } from './backends/grub2.js';
export { createSyslinuxBackend, SYSLINUX_CONFIG_PATH } from './backends/syslinux.js';
export { createUbootBackend, UBOOT_CONFIG_PATH } from './backends/uboot.js';
export { detectBootloader } from './bootloader-detect.js';
export type { BootloaderSetting } from './bootloader-detect.js';
export { readLoaderEntries } from './loader-entries-read.js';
export { editCurrentLoaderEntries, editEntryKernelArgs, CURRENT_ENTRIES_DIR } from './loader-entries-edit.js';
export { createFsSysrootPorts, checkSysrootPath } from './sysroot-fs-ports.js';
