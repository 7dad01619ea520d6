// Initramfs overlays (ostree_sysroot_stage_overlay_initrd, `ostree admin deploy --overlay-initrd`):
// an extra initrd the bootloader loads after the deployment's own. Staged into
// `<runDir>/ostree/staged-initrds/<sha256>`, installed when a boot version is written into
// `boot/ostree/initramfs-overlays/<sha256>.img` (shared by every deployment naming it; a second
// `initrd` line in its entry), removed by cleanup once no deployment names it.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, NotFoundError, fromSystemError } from '@tsostree/errors';
import { exists, installIntoBoot, writeFileAtomic } from './fs-util.js';

export const INITRAMFS_OVERLAYS_DIR = 'boot/ostree/initramfs-overlays';
const CHECKSUM = /^[0-9a-f]{64}$/;

export function stagedInitrdsDir(runDir: string): string {
  return join(runDir, 'ostree/staged-initrds');
}

/** Copies an overlay initrd (a file path or its bytes) into the run directory; returns its sha256. */
export async function stageOverlayInitrd(runDir: string, source: string | Uint8Array): Promise<string> {
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    try {
      bytes = await readFile(source);
    } catch (error) {
      throw fromSystemError(error, `reading overlay initrd ${source}`);
    }
  } else {
    bytes = source;
  }
  const checksum = createHash('sha256').update(bytes).digest('hex');
  const dir = stagedInitrdsDir(runDir);
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw fromSystemError(error, `creating ${dir}`);
  }
  // ostree writes it through an O_TMPFILE (mode 0600) linked over any previous copy.
  await writeFileAtomic(join(dir, checksum), bytes, { mode: 0o600 });
  return checksum;
}

/** Installs the overlays a deployment names into /boot (hardlink or copy of the staged file), unless there already. */
export async function installOverlayInitrds(root: string, runDir: string, checksums: readonly string[]): Promise<void> {
  if (checksums.length === 0) return;
  const dir = join(root, INITRAMFS_OVERLAYS_DIR);
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw fromSystemError(error, `creating ${dir}`);
  }
  for (const checksum of checksums) {
    if (!CHECKSUM.test(checksum)) throw new InvalidArgumentError(`Malformed overlay initrd checksum: ${checksum}`);
    const dest = join(dir, `${checksum}.img`);
    if (await exists(dest)) continue;
    const src = join(stagedInitrdsDir(runDir), checksum);
    if (!(await exists(src))) throw new NotFoundError(`overlay initrd ${checksum} is neither in /boot nor staged in ${stagedInitrdsDir(runDir)}`);
    await installIntoBoot(src, dest);
  }
}

/** Removes the overlays in /boot that no deployment names any more (ostree's cleanup does it with the deployments). */
export async function cleanupOverlayInitrds(root: string, deployments: readonly { overlayInitrds: readonly string[] }[]): Promise<string[]> {
  const dir = join(root, INITRAMFS_OVERLAYS_DIR);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fromSystemError(error, 'open(initrd_overlays)');
  }
  const active = new Set(deployments.flatMap((d) => d.overlayInitrds.map((c) => `${c}.img`)));
  const removed: string[] = [];
  for (const name of names.sort()) {
    if (active.has(name)) continue;
    try {
      await unlink(join(dir, name));
    } catch (error) {
      throw fromSystemError(error, `removing ${INITRAMFS_OVERLAYS_DIR}/${name}`);
    }
    removed.push(`${INITRAMFS_OVERLAYS_DIR}/${name}`);
  }
  return removed;
}
