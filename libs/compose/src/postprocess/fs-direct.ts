// The `node:fs/promises` calls post-processing uses, with the same names, arguments and errors, done as direct
// (synchronous) system calls. Post-processing is a long chain of small dependent calls on a local tree; with a
// thread-pool round trip per call the step was mostly waiting (60 of its 85 ms idle on the main thread, fixture
// compose under load). Each function still returns a promise, so callers (and their error handling) are unchanged.
import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  type Dirent,
  type MakeDirectoryOptions,
  type RmOptions,
  type Stats,
  type WriteFileOptions,
} from 'node:fs';

export async function lstat(path: string): Promise<Stats> {
  return lstatSync(path);
}

export async function mkdir(path: string, options?: MakeDirectoryOptions): Promise<string | undefined> {
  return mkdirSync(path, options);
}

export async function readdir(path: string): Promise<string[]>;
export async function readdir(path: string, options: { withFileTypes: true }): Promise<Dirent[]>;
export async function readdir(path: string, options?: { withFileTypes: true }): Promise<string[] | Dirent[]> {
  return options?.withFileTypes ? readdirSync(path, { withFileTypes: true }) : readdirSync(path);
}

export async function readFile(path: string): Promise<Buffer>;
export async function readFile(path: string, encoding: 'utf8'): Promise<string>;
export async function readFile(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
  return encoding ? readFileSync(path, encoding) : readFileSync(path);
}

export async function readlink(path: string): Promise<string> {
  return readlinkSync(path);
}

export async function rename(from: string, to: string): Promise<void> {
  renameSync(from, to);
}

export async function rm(path: string, options?: RmOptions): Promise<void> {
  rmSync(path, options);
}

export async function chmod(path: string, mode: number): Promise<void> {
  chmodSync(path, mode);
}

export async function link(existing: string, path: string): Promise<void> {
  linkSync(existing, path);
}

export async function symlink(target: string, path: string): Promise<void> {
  symlinkSync(target, path);
}

export async function unlink(path: string): Promise<void> {
  unlinkSync(path);
}

export async function writeFile(path: string, data: string | Uint8Array, options?: WriteFileOptions): Promise<void> {
  writeFileSync(path, data, options);
}
