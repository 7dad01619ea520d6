import { AbortedError, InvalidArgumentError } from '@tsostree/errors';
import { writeBlsEntryBytes, type BlsEntry } from './format/bls-entry.js';

/**
 * Read access to a sysroot, for bootloader detection and for files a backend merges in (the old
 * `syslinux.cfg`, a deployment's `usr/lib/ostree-boot/uEnv.txt`). Paths are relative to the
 * sysroot root (`boot/loader/uEnv.txt`), use `/` separators and never start with `/` or contain
 * `..`; the implementation must resolve them inside the sysroot (symlinks included).
 */
export interface SysrootReadPort {
  /** The file's bytes, following symlinks; undefined when it does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /**
   * The type of `path` without following a final symlink (like lstat; symlinks in earlier
   * components are followed), or undefined when it does not exist.
   */
  lstat(path: string): Promise<'file' | 'directory' | 'symlink' | 'other' | undefined>;
  /** Whether `path` exists after following every symlink (like stat). */
  exists(path: string): Promise<boolean>;
  /** Names in a directory (unsorted is fine), or undefined when it does not exist. */
  readDir(path: string): Promise<string[] | undefined>;
}

/** Write access for a backend: it only ever writes whole files under `boot/`. */
export interface SysrootWritePort {
  /**
   * Replaces a file atomically (write a temporary file, fsync, rename), creating parent
   * directories. `path` is relative to the sysroot, as in {@link SysrootReadPort}.
   */
  writeFile(path: string, data: Uint8Array): Promise<void>;
}

/** One entry of the new boot version: its file name under `entries/` and its contents. */
export interface LoaderEntry {
  /** `ostree-<N>-<stateroot>.conf` or `ostree-<N>.conf`, see `blsEntryFilename`. */
  filename: string;
  entry: BlsEntry;
}

/** What `writeConfig` gets. */
export interface WriteConfigInput {
  /** The boot version being prepared (`boot/loader.<bootVersion>/`); the current one is the other. */
  bootVersion: 0 | 1;
  /**
   * The entries of the new boot version in boot order: default first (as ostree sorts them:
   * `version` descending, see `sortLoaderEntries`).
   */
  entries: readonly LoaderEntry[];
  read: SysrootReadPort;
  write: SysrootWritePort;
  signal?: AbortSignal;
}

/**
 * A bootloader backend: the five operations of ostree's `OstreeBootloaderInterface`
 * (ostree-bootloader.h) — name, is-active query, write config, post-BLS sync, is-atomic.
 *
 * The sysroot library prepares `boot/loader.<new>/` by calling `writeConfig` (which writes the BLS
 * entries and the backend's own file), then swaps the `boot/loader` symlink, then calls
 * `postBlsSync` if the backend has it.
 */
export interface BootloaderBackend {
  /** `bls`, `grub2`, `syslinux` or `uboot` (the `sysroot.bootloader` value selecting it). */
  readonly name: string;
  /** Whether this sysroot is set up for this bootloader (ostree's auto-detection). */
  isActive(read: SysrootReadPort): Promise<boolean>;
  /** Writes `boot/loader.<bootVersion>/entries/*` and the backend's configuration. */
  writeConfig(input: WriteConfigInput): Promise<void>;
  /** Runs after the `boot/loader` symlink swap (nothing for the built-in backends). */
  postBlsSync?(input: { bootVersion: 0 | 1; read: SysrootReadPort; write: SysrootWritePort }): Promise<void>;
  /**
   * Whether the boot-version swap is atomic with this backend: false when the configuration lives
   * outside `boot/loader.N` and is replaced in place (GRUB on an EFI system partition).
   */
  readonly isAtomic: boolean;
}

const ENTRY_NAME = /^[A-Za-z0-9_.+-]+\.conf$/;

/** Throws Aborted when the signal has fired. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError('bootloader configuration aborted', { cause: signal.reason });
}

/** A file a backend is about to write: sysroot-relative path and bytes. */
export interface PendingFile {
  path: string;
  data: Uint8Array;
}

/**
 * Serializes each entry for `boot/loader.<bootVersion>/entries/<filename>` (what every backend
 * writes first; ostree writes these in `install_deployment_kernel`). Refuses file names with `/`,
 * `..` or a leading dot, duplicates, and values that cannot be written — before anything is written.
 */
export function prepareLoaderEntries(input: WriteConfigInput): PendingFile[] {
  const seen = new Set<string>();
  const out: PendingFile[] = [];
  for (const { filename, entry } of input.entries) {
    if (!ENTRY_NAME.test(filename) || filename.startsWith('.')) {
      throw new InvalidArgumentError(`invalid BLS entry file name ${JSON.stringify(filename)}`);
    }
    if (seen.has(filename)) throw new InvalidArgumentError(`duplicate BLS entry file name ${filename}`);
    seen.add(filename);
    out.push({ path: `boot/loader.${input.bootVersion}/entries/${filename}`, data: writeBlsEntryBytes(entry) });
  }
  return out;
}

/** Writes prepared files in order, checking for cancellation before each. */
export async function writePendingFiles(input: WriteConfigInput, files: readonly PendingFile[]): Promise<void> {
  for (const file of files) {
    checkAborted(input.signal);
    await input.write.writeFile(file.path, file.data);
  }
}

/** Validates a write input common to every backend. */
export function checkWriteInput(input: WriteConfigInput): void {
  if (input.bootVersion !== 0 && input.bootVersion !== 1) {
    throw new InvalidArgumentError(`boot version must be 0 or 1, got ${String(input.bootVersion)}`);
  }
  checkAborted(input.signal);
}
