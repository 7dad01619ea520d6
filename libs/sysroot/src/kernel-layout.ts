import { createHash, type Hash } from 'node:crypto';
import { lstat, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, NotFoundError, fromSystemError } from '@tsostree/errors';
import type { KernelLayoutNames } from '@tsostree/bootloader';

/**
 * Where a deployment's kernel, initramfs and device trees are, and the names they get under
 * `boot/ostree/<stateroot>-<bootcsum>/` (ostree's `OstreeKernelLayout`, `get_kernel_from_tree`).
 */
export interface KernelLayout {
  /** Directory (absolute) the source files are in. */
  sourceDir: string;
  /** [source name in sourceDir, installed name] pairs to install, in ostree's order. */
  files: Array<[string, string]>;
  /** A directory of device trees copied recursively (`dtb`). */
  devicetreeDir?: string;
  names: KernelLayoutNames;
  bootcsum: string;
}

const CHECKSUM_RE = /^[0-9a-f]{64}$/;

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function statOrUndefined(path: string, follow = true): Promise<import('node:fs').Stats | undefined> {
  try {
    return follow ? await stat(path) : await lstat(path);
  } catch (error) {
    if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return undefined;
    throw fromSystemError(error, `stat ${path}`);
  }
}

/** Hashes a file through one reused buffer (a read stream allocates a chunk per read). */
async function hashFile(hash: Hash | undefined, path: string): Promise<void> {
  if (!hash) return;
  let fh;
  try {
    fh = await open(path, 'r');
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
    }
  } catch (error) {
    throw fromSystemError(error, `reading ${path}`);
  } finally {
    await fh?.close();
  }
}

/** ostree's checksum_dir_recurse: every non-directory in strcmp order per level, directories recursed in place. */
async function hashDirRecurse(hash: Hash | undefined, dir: string): Promise<void> {
  if (!hash) return;
  const names = (await readdir(dir)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const p = join(dir, name);
    const st = await lstat(p);
    if (st.isDirectory()) await hashDirRecurse(hash, p);
    else if (st.isFile() || st.isSymbolicLink()) {
      // ostree opens the entry (following a symlink) and ignores it when it does not exist.
      const target = await statOrUndefined(p);
      if (target?.isFile()) await hashFile(hash, p);
    }
  }
}

async function fromUsrLibModules(deployDir: string, knownBootcsum: string | undefined): Promise<KernelLayout | undefined> {
  const modules = join(deployDir, 'usr/lib/modules');
  let entries;
  try {
    entries = await readdir(modules, { withFileTypes: true });
  } catch (error) {
    if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return undefined;
    throw fromSystemError(error, `listing ${modules}`);
  }
  // ostree takes the first directory in readdir order that has a regular vmlinuz; readdir order is
  // filesystem-defined, so we take the first by name (identical whenever there is one kernel).
  let kver: string | undefined;
  for (const e of entries.filter((x) => x.isDirectory()).map((x) => x.name).sort()) {
    const st = await statOrUndefined(join(modules, e, 'vmlinuz'));
    if (st?.isFile()) {
      kver = e;
      break;
    }
  }
  if (kver === undefined) return undefined;
  const dir = join(modules, kver);
  // A deployment's boot checksum is fixed when it is created: only a new one hashes its kernel.
  const hash = knownBootcsum === undefined ? createHash('sha256') : undefined;
  const files: Array<[string, string]> = [['vmlinuz', `vmlinuz-${kver}`]];
  const names: KernelLayoutNames = { kernel: `vmlinuz-${kver}` };
  await hashFile(hash, join(dir, 'vmlinuz'));
  for (const candidate of ['initramfs.img', 'initramfs']) {
    const st = await statOrUndefined(join(dir, candidate));
    if (st) {
      names.initramfs = `initramfs-${kver}.img`;
      files.push([candidate, names.initramfs]);
      await hashFile(hash, join(dir, candidate));
      break;
    }
  }
  let devicetreeDir: string | undefined;
  if (await statOrUndefined(join(dir, 'devicetree'))) {
    names.devicetree = `devicetree-${kver}`;
    files.push(['devicetree', names.devicetree]);
    await hashFile(hash, join(dir, 'devicetree'));
  } else if ((await statOrUndefined(join(dir, 'dtb')))?.isDirectory()) {
    devicetreeDir = 'dtb';
    names.devicetreeDir = 'dtb';
    await hashDirRecurse(hash, join(dir, 'dtb'));
  }
  if (await statOrUndefined(join(dir, '.vmlinuz.hmac'))) files.push(['.vmlinuz.hmac', `.vmlinuz-${kver}.hmac`]);
  return { sourceDir: dir, files, names, bootcsum: hash ? hash.digest('hex') : knownBootcsum!, ...(devicetreeDir ? { devicetreeDir } : {}) };
}

async function fromLegacy(deployDir: string): Promise<KernelLayout | undefined> {
  let dir: string | undefined;
  for (const p of ['usr/lib/ostree-boot', 'boot']) {
    const st = await statOrUndefined(join(deployDir, p), false);
    if (st?.isDirectory()) {
      dir = join(deployDir, p);
      break;
    }
  }
  if (dir === undefined) return undefined;
  let kernel: [string, string, string] | undefined;
  let initramfs: [string, string, string] | undefined;
  let devicetree: [string, string, string] | undefined;
  for (const name of (await readdir(dir)).sort()) {
    const dash = name.lastIndexOf('-');
    const sum = name.slice(dash + 1);
    if (!CHECKSUM_RE.test(sum)) continue;
    const entry: [string, string, string] = [name, name.slice(0, dash), sum];
    if (!kernel && name.startsWith('vmlinuz-')) kernel = entry;
    else if (!initramfs && name.startsWith('initramfs-')) initramfs = entry;
    else if (!devicetree && name.startsWith('devicetree-')) devicetree = entry;
  }
  if (!kernel) return undefined;
  if (initramfs && initramfs[2] !== kernel[2]) throw new ConflictError('Mismatched kernel checksum vs initrd');
  if (devicetree && devicetree[2] !== kernel[2]) throw new ConflictError('Mismatched kernel checksum vs device tree in tree');
  const files: Array<[string, string]> = [[kernel[0], kernel[1]]];
  const names: KernelLayoutNames = { kernel: kernel[1] };
  if (initramfs) {
    files.push([initramfs[0], initramfs[1]]);
    names.initramfs = initramfs[1];
  }
  if (devicetree) {
    files.push([devicetree[0], devicetree[1]]);
    names.devicetree = devicetree[1];
  }
  return { sourceDir: dir, files, names, bootcsum: kernel[2] };
}

/**
 * Finds the kernel of a checked-out tree like ostree: `usr/lib/modules/<kver>/vmlinuz` (+
 * `initramfs.img`, `devicetree` or `dtb/`, `.vmlinuz.hmac`; bootcsum = sha256 over their bytes),
 * or the legacy `usr/lib/ostree-boot|boot/vmlinuz-<kver>-<bootcsum>`; the legacy layout wins
 * only when it has an initramfs and the modules layout has none. `bootcsum`: the deployment's
 * known boot checksum (an existing deployment): the kernel is not hashed again (ostree does, and
 * ignores the result).
 */
export async function findKernelLayout(deployDir: string, options: { bootcsum?: string } = {}): Promise<KernelLayout> {
  const modules = await fromUsrLibModules(deployDir, options.bootcsum);
  const legacy = await fromLegacy(deployDir);
  if (!legacy) {
    if (!modules) throw new NotFoundError('Failed to find kernel in /usr/lib/modules, /usr/lib/ostree-boot or /boot');
    return modules;
  }
  if (modules && modules.names.initramfs === undefined && legacy.names.initramfs !== undefined) return legacy;
  return modules ?? legacy;
}
