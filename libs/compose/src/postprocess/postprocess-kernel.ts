// The kernel and initramfs, the way rpm-ostree's compose leaves them (rpmostree-postprocess.cxx
// process_kernel_and_initramfs, rpmostree-kernel.cxx): `boot/` moves to `usr/lib/ostree-boot`, the kernel is
// found in `usr/lib/modules/<kver>/vmlinuz` (or the legacy `vmlinuz-<kver>` in the boot directory),
// the initramfs lands at `usr/lib/modules/<kver>/initramfs.img`, and with `boot-location: new` both are also
// hardlinked into `usr/lib/ostree-boot/` as `vmlinuz-<kver>-<bootcsum>` / `initramfs-<kver>.img-<bootcsum>`,
// where bootcsum = sha256(vmlinuz ‖ initramfs). An empty `boot/` is left as the mount point.
//
// Difference from rpm-ostree, on purpose: rpm-ostree always regenerates the initramfs with dracut; we keep
// the initramfs the kernel package ships and run dracut only when asked (`dracut: true`), and then only if
// the tree has /usr/bin/dracut (otherwise UnsupportedError).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, readdir, rename, rm, unlink, writeFile, readFile, chmod } from './fs-direct.js';
import { join } from 'node:path';
import { ConflictError, IoError, NotFoundError, UnsupportedError } from '@tsostree/errors';
import { runInRoot } from '../bwrap-run.js';
import { lstatOrUndefined } from './root-path.js';

export interface KernelResult {
  kernelVersion: string;
  /** sha256(vmlinuz ‖ initramfs), hex. */
  bootChecksum: string;
  initramfs: 'packaged' | 'dracut' | 'none';
}

export interface KernelOptions {
  bootLocation: 'new' | 'modules' | 'kernel-install';
  machineidCompat: boolean;
  dracut?: boolean;
  initramfsArgs?: readonly string[];
  signal?: AbortSignal;
}

async function isFile(path: string): Promise<boolean> {
  return (await lstatOrUndefined(path))?.isFile() ?? false;
}

async function sha256Files(paths: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const p of paths) {
    for await (const chunk of createReadStream(p)) h.update(chunk as Buffer);
  }
  return h.digest('hex');
}

/** Finds the kernel the way rpmostree_find_kernel does: usr/lib/modules first, then the legacy boot dir. */
async function findKernel(root: string): Promise<{ kver: string; kernelPath: string; initramfsPath?: string } | undefined> {
  const modules = join(root, 'usr/lib/modules');
  const found: { kver: string; kernelPath: string; initramfsPath?: string }[] = [];
  for (const kver of (await lstatOrUndefined(modules))?.isDirectory() ? (await readdir(modules)).sort() : []) {
    const dir = join(modules, kver);
    if (!(await lstatOrUndefined(dir))?.isDirectory()) continue;
    if (await isFile(join(dir, 'vmlinuz'))) {
      found.push({ kver, kernelPath: join(dir, 'vmlinuz'), initramfsPath: (await isFile(join(dir, 'initramfs.img'))) ? join(dir, 'initramfs.img') : undefined });
    }
  }
  if (found.length > 1) {
    throw new ConflictError(`multiple kernels found in /usr/lib/modules: ${found.map((k) => k.kver).join(', ')}`, {
      data: { kernels: found.map((k) => k.kver) },
    });
  }
  if (found.length === 1) return found[0];
  const legacy = join(root, 'usr/lib/ostree-boot');
  for (const name of (await lstatOrUndefined(legacy))?.isDirectory() ? (await readdir(legacy)).sort() : []) {
    const m = /^vmlinuz-(.+)$/.exec(name);
    if (!m || !(await isFile(join(legacy, name)))) continue;
    const kver = m[1]!;
    const initramfs = join(legacy, `initramfs-${kver}.img`);
    return { kver, kernelPath: join(legacy, name), initramfsPath: (await isFile(initramfs)) ? initramfs : undefined };
  }
  return undefined;
}

export async function processKernel(root: string, options: KernelOptions): Promise<KernelResult | undefined> {
  // ostree owns boot/loader
  await rm(join(root, 'boot/loader'), { recursive: true, force: true });
  // kernel-install's /boot/<machine-id>/ is not used on ostree systems
  const machineIdPath = join(root, 'usr/etc/machine-id');
  if (await isFile(machineIdPath)) {
    const id = (await readFile(machineIdPath, 'utf8')).trim();
    if (/^[0-9a-f]{32}$/.test(id)) await rm(join(root, 'boot', id), { recursive: true, force: true });
  }
  // non-kernel /boot content (bootloader bits) and legacy kernels move to usr/lib/ostree-boot
  const boot = await lstatOrUndefined(join(root, 'boot'));
  if (boot?.isDirectory()) {
    if (await lstatOrUndefined(join(root, 'usr/lib/ostree-boot'))) {
      const entries = await readdir(join(root, 'boot'));
      if (entries.length > 0) throw new ConflictError('both /boot and /usr/lib/ostree-boot have content', { data: { root } });
      await rm(join(root, 'boot'), { recursive: true });
    } else {
      await mkdir(join(root, 'usr/lib'), { recursive: true });
      await rename(join(root, 'boot'), join(root, 'usr/lib/ostree-boot'));
    }
  } else if (boot) {
    await unlink(join(root, 'boot'));
  }

  // machineid-compat: an empty /etc/machine-id (systemd fills it at first boot); otherwise none at all
  if (options.machineidCompat) await writeFile(machineIdPath, '', { mode: 0o644 });
  else await rm(machineIdPath, { force: true });

  const kernel = await findKernel(root);
  let result: KernelResult | undefined;
  if (kernel) {
    const modulesDir = join(root, 'usr/lib/modules', kernel.kver);
    await mkdir(modulesDir, { recursive: true });
    const vmlinuz = join(modulesDir, 'vmlinuz');
    if (kernel.kernelPath !== vmlinuz) {
      await rm(vmlinuz, { force: true });
      await link(kernel.kernelPath, vmlinuz);
    }
    const initramfs = join(modulesDir, 'initramfs.img');
    let how: KernelResult['initramfs'] = 'none';
    if (options.dracut) {
      await runDracut(root, kernel.kver, initramfs, options);
      how = 'dracut';
    } else if (kernel.initramfsPath) {
      if (kernel.initramfsPath !== initramfs) {
        await rm(initramfs, { force: true });
        await link(kernel.initramfsPath, initramfs);
      }
      how = 'packaged';
    }
    const bootChecksum = await sha256Files(how === 'none' ? [vmlinuz] : [vmlinuz, initramfs]);
    if (options.bootLocation === 'new') {
      const ostreeBoot = join(root, 'usr/lib/ostree-boot');
      await mkdir(ostreeBoot, { recursive: true, mode: 0o755 });
      for (const name of await readdir(ostreeBoot)) {
        if (name.startsWith(`vmlinuz-${kernel.kver}`) || name.startsWith(`initramfs-${kernel.kver}.img`)) await rm(join(ostreeBoot, name));
      }
      await link(vmlinuz, join(ostreeBoot, `vmlinuz-${kernel.kver}-${bootChecksum}`));
      if (how !== 'none') await link(initramfs, join(ostreeBoot, `initramfs-${kernel.kver}.img-${bootChecksum}`));
    }
    result = { kernelVersion: kernel.kver, bootChecksum, initramfs: how };
  }
  // /boot stays as an (empty) mount point
  await mkdir(join(root, 'boot'), { recursive: true, mode: 0o755 });
  return result;
}

async function runDracut(root: string, kver: string, dest: string, options: KernelOptions): Promise<void> {
  if (!(await isFile(join(root, 'usr/bin/dracut')))) {
    throw new UnsupportedError('the treefile asks for dracut but the tree has no /usr/bin/dracut', { data: { kver } });
  }
  const args = options.initramfsArgs && options.initramfsArgs.length > 0 ? [...options.initramfsArgs] : ['--no-hostonly'];
  const run = await runInRoot({
    root,
    etcDir: 'usr/etc',
    argv: ['dracut', '-v', '--add', 'ostree', '--tmpdir=/tmp', '-f', `/usr/lib/modules/${kver}/initramfs.img.new`, ...args, '--kver', kver],
    signal: options.signal,
  });
  if (run.exitCode !== 0) {
    throw new IoError(`dracut failed (exit status ${run.exitCode}): ${run.stderr.trim().split('\n').slice(-5).join('\n')}`, { data: { kver } });
  }
  const produced = `${dest}.new`;
  if (!(await isFile(produced))) throw new NotFoundError('dracut did not write an initramfs', { data: { kver } });
  await chmod(produced, 0o644);
  await rename(produced, dest);
}
