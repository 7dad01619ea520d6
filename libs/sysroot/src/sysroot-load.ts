import { lstat, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptError, NotFoundError, ParseError, fromSystemError, withContext } from '@tsostree/errors';
import { createFsSysrootPorts, readLoaderEntries, type LoaderEntry } from '@tsostree/bootloader';
import { KeyFile, Repo, loadCommit, vardictGet } from '@tsostree/objstore';
import { ORIGIN_TRANSIENT_GROUP, deploymentRelPath, originRelPath, type Deployment, type UnlockedState } from './deployment.js';
import { parseDeploymentName } from './deployment-name.js';
import { ostreeKernelArg, parseBootlink } from './format/bootlink.js';
import { parseStagedDeployment } from './format/staged-deployment.js';

/** How the running system is identified (ostree: `/run/ostree-booted` + the root's device/inode). */
export type BootedSpec =
  /** A kernel command line (like `/proc/cmdline`): its `ostree=` names the booted deployment. */
  | { cmdline: string }
  /** A directory that is the running root (`/` on a real machine): matched by device and inode. */
  | { rootDir: string }
  /** The booted deployment by identity (tests; stays valid across boot-version swaps). */
  | { deployment: { stateroot: string; checksum: string; serial: number } };

export interface LoadedState {
  bootVersion: 0 | 1;
  subbootVersion: 0 | 1;
  deployments: Deployment[];
  booted: Deployment | undefined;
  staged: Deployment | undefined;
}

const MAX_ORIGIN = 1024 * 1024;
const MAX_STAGED = 16 * 1024 * 1024;

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function readlinkOrUndefined(path: string): Promise<string | undefined> {
  let st;
  try {
    st = await lstat(path);
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw fromSystemError(error, `reading ${path}`);
  }
  if (!st.isSymbolicLink()) throw new CorruptError(`Not a symbolic link: ${path}`, { data: { path } });
  try {
    return await readlink(path);
  } catch (error) {
    throw fromSystemError(error, `reading ${path}`);
  }
}

/** `boot/loader` → `loader.0`/`loader.1`; missing = 0 (ostree's read_current_bootversion). */
export async function readBootVersion(root: string): Promise<0 | 1> {
  const target = await readlinkOrUndefined(join(root, 'boot/loader'));
  if (target === undefined || target === 'loader.0') return 0;
  if (target === 'loader.1') return 1;
  throw new CorruptError(`Invalid target '${target}' in boot/loader`);
}

/** `ostree/boot.<bv>` → `boot.<bv>.0`/`.1`; missing = 0. */
export async function readSubbootVersion(root: string, bootVersion: 0 | 1): Promise<0 | 1> {
  const target = await readlinkOrUndefined(join(root, `ostree/boot.${bootVersion}`));
  if (target === undefined || target.endsWith('.0')) return 0;
  if (target.endsWith('.1')) return 1;
  throw new CorruptError(`Invalid target '${target}' in ostree/boot.${bootVersion}`);
}

export async function readSmallFile(path: string, max: number): Promise<Uint8Array | undefined> {
  let st;
  try {
    st = await stat(path);
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw fromSystemError(error, `reading ${path}`);
  }
  if (!st.isFile()) throw new CorruptError(`${path} is not a regular file`, { data: { path } });
  if (st.size > max) throw new CorruptError(`${path} is too large (${st.size} bytes)`, { data: { path } });
  try {
    return await readFile(path);
  } catch (error) {
    throw fromSystemError(error, `reading ${path}`);
  }
}

export async function loadOrigin(root: string, d: { stateroot: string; checksum: string; serial: number }): Promise<KeyFile | undefined> {
  const rel = originRelPath(d);
  const bytes = await readSmallFile(join(root, rel), MAX_ORIGIN);
  if (bytes === undefined) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ParseError(`Parsing ${rel}: not valid UTF-8`, { offset: 0 });
  }
  try {
    return KeyFile.parse(text);
  } catch (error) {
    throw withContext(`Parsing ${rel}`, error);
  }
}

function originRefspec(origin: KeyFile | undefined): string | undefined {
  if (!origin) return undefined;
  try {
    return origin.getString('origin', 'refspec') ?? origin.getString('origin', 'container-image-reference');
  } catch {
    return undefined;
  }
}

function originPinned(origin: KeyFile | undefined): boolean {
  if (!origin) return false;
  try {
    return origin.getBoolean(ORIGIN_TRANSIENT_GROUP, 'pinned') ?? false;
  } catch {
    return false;
  }
}

async function unlockedState(runDir: string, d: { checksum: string; serial: number }, origin: KeyFile | undefined): Promise<UnlockedState> {
  const base = join(runDir, 'ostree/deployment-state', `${d.checksum}.${d.serial}`);
  const exists = async (p: string): Promise<boolean> => lstat(p).then(() => true, () => false);
  if (await exists(join(base, 'unlocked-development'))) return 'development';
  if (await exists(join(base, 'unlocked-transient'))) return 'transient';
  try {
    if (origin?.getString('origin', 'unlocked') === 'hotfix') return 'hotfix';
  } catch {
    /* malformed value: not unlocked */
  }
  return 'none';
}

async function commitVersion(repo: Repo | undefined, checksum: string): Promise<string | undefined> {
  if (!repo) return undefined;
  try {
    const commit = await loadCommit(repo, checksum);
    const v = vardictGet(commit.metadata, 'version', 's');
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

interface RawDeployment extends Omit<Deployment, 'index' | 'booted'> {
  dev?: number;
  ino?: number;
}

async function deploymentFromEntry(root: string, runDir: string, repo: Repo | undefined, le: LoaderEntry): Promise<RawDeployment> {
  const options = le.entry.options ?? '';
  const arg = ostreeKernelArg(options);
  if (arg === undefined) throw new ParseError(`${le.filename}: No ostree= kernel argument found`, { offset: 0 });
  const link = parseBootlink(arg);
  const linkPath = join(root, arg.slice(1));
  let target: string;
  try {
    target = await readlink(linkPath);
  } catch (error) {
    throw withContext(`Parsing deployment ${arg} in stateroot '${link.stateroot}'`, fromSystemError(error, `readlink ${arg.slice(1)}`));
  }
  const base = target.slice(target.lastIndexOf('/') + 1);
  const { checksum, serial } = parseDeploymentName(base);
  const id = { stateroot: link.stateroot, checksum, serial };
  const path = deploymentRelPath(id);
  let st;
  try {
    st = await stat(join(root, path));
  } catch (error) {
    throw withContext(`Parsing deployment ${arg} in stateroot '${link.stateroot}'`, fromSystemError(error, path));
  }
  if (!st.isDirectory()) throw new CorruptError(`${path} is not a directory`, { data: { path } });
  const origin = await loadOrigin(root, id);
  const overlayInitrds = le.entry.overlayInitrds.map((p) => {
    const name = p.slice(p.lastIndexOf('/') + 1);
    if (!/^[0-9a-f]{64}\.img$/.test(name)) throw new ParseError(`Malformed overlay initrd filename: ${name}`, { offset: 0 });
    return name.slice(0, 64);
  });
  return {
    ...id,
    bootcsum: link.bootcsum,
    bootserial: link.bootserial,
    origin,
    refspec: originRefspec(origin),
    bootconfig: le.entry,
    entryFilename: le.filename,
    kernelArgs: options,
    overlayInitrds,
    pinned: originPinned(origin),
    staged: false,
    finalizationLocked: false,
    unlocked: await unlockedState(runDir, id, origin),
    version: await commitVersion(repo, checksum),
    path,
    dev: st.dev,
    ino: st.ino,
  };
}

export function stagedDeploymentPath(runDir: string): string {
  return join(runDir, 'ostree/staged-deployment');
}

/** The finalization lock of ostree 2022.7 (`ostree admin deploy --stage --lock-finalization`). */
export function stagedLockedPath(runDir: string): string {
  return join(runDir, 'ostree/staged-deployment-locked');
}

async function loadStaged(root: string, runDir: string, repo: Repo | undefined): Promise<RawDeployment | undefined> {
  const file = stagedDeploymentPath(runDir);
  const bytes = await readSmallFile(file, MAX_STAGED);
  if (bytes === undefined) return undefined;
  let rec;
  try {
    rec = parseStagedDeployment(bytes);
  } catch (error) {
    throw withContext('Loading staged deployment', error);
  }
  const { target } = rec;
  const id = { stateroot: target.stateroot, checksum: target.checksum, serial: target.serial };
  const origin = await loadOrigin(root, id);
  const lockedFile = await lstat(stagedLockedPath(runDir)).then(() => true, () => false);
  return {
    ...id,
    bootcsum: target.bootcsum,
    bootserial: -1,
    origin,
    refspec: originRefspec(origin),
    bootconfig: undefined,
    entryFilename: undefined,
    kernelArgs: rec.kargs?.join(' ') ?? '',
    overlayInitrds: rec.overlayInitrds ?? [],
    pinned: originPinned(origin),
    staged: true,
    finalizationLocked: (rec.locked ?? false) || lockedFile,
    unlocked: 'none',
    version: await commitVersion(repo, target.checksum),
    path: deploymentRelPath(id),
  };
}

/** Which raw deployment is the booted one, per `spec`; undefined when none is booted. */
async function findBooted(root: string, raws: RawDeployment[], spec: BootedSpec | undefined): Promise<number> {
  if (spec === undefined) return -1;
  if ('deployment' in spec) {
    const { stateroot, checksum, serial } = spec.deployment;
    const i = raws.findIndex((d) => d.stateroot === stateroot && d.checksum === checksum && d.serial === serial);
    if (i < 0) throw new NotFoundError(`booted deployment ${stateroot} ${checksum}.${serial} has no bootloader entry`);
    return i;
  }
  if ('rootDir' in spec) {
    let st;
    try {
      st = await stat(spec.rootDir);
    } catch (error) {
      throw fromSystemError(error, `stat ${spec.rootDir}`);
    }
    return raws.findIndex((d) => d.dev === st.dev && d.ino === st.ino);
  }
  const arg = ostreeKernelArg(spec.cmdline);
  if (arg === undefined) return -1;
  const link = parseBootlink(arg);
  let target: string;
  try {
    target = await readlink(join(root, arg.slice(1)));
  } catch (error) {
    throw new NotFoundError(`booted deployment ${arg} not found in the sysroot`, { cause: error, data: { path: arg } });
  }
  const { checksum, serial } = parseDeploymentName(target.slice(target.lastIndexOf('/') + 1));
  const i = raws.findIndex((d) => d.stateroot === link.stateroot && d.checksum === checksum && d.serial === serial);
  if (i < 0) throw new NotFoundError(`Unexpected state: booted deployment ${arg} has no bootloader entry`, { data: { path: arg } });
  return i;
}

/** Loads the deployment list the way `ostree_sysroot_load` does: the current loader's entries are the truth. */
export async function loadSysrootState(root: string, runDir: string, booted: BootedSpec | undefined): Promise<LoadedState> {
  const bootVersion = await readBootVersion(root);
  const subbootVersion = await readSubbootVersion(root, bootVersion);
  const { read } = createFsSysrootPorts(root);
  const entries = await readLoaderEntries(read, bootVersion);
  let repo: Repo | undefined;
  try {
    // Only objects and refs are read here; remotes (and remotes.d) belong to Sysroot#repo().
    repo = await Repo.open(join(root, 'ostree/repo'), { remotesConfigDir: null, system: true });
  } catch {
    repo = undefined;
  }
  const raws: RawDeployment[] = [];
  for (const le of entries) raws.push(await deploymentFromEntry(root, runDir, repo, le));
  const bootedIndex = await findBooted(root, raws, booted);
  // ostree only looks at the staged deployment on a booted system.
  const staged = bootedIndex >= 0 ? await loadStaged(root, runDir, repo) : undefined;
  const all = staged ? [staged, ...raws] : raws;
  const deployments: Deployment[] = all.map((raw, index) => {
    const { dev: _dev, ino: _ino, ...rest } = raw;
    return Object.freeze({ ...rest, index, booted: raw === raws[bootedIndex] });
  });
  return {
    bootVersion,
    subbootVersion,
    deployments,
    booted: deployments.find((d) => d.booted),
    staged: staged ? deployments[0] : undefined,
  };
}
