import { InvalidArgumentError } from '@tsostree/errors';
import { getBlsValue, type BlsEntry } from './bls-entry.js';
import { withBootDirectory } from './bls-sort.js';
import { KernelArgs } from './kernel-args.js';
import { joinLinesOstree } from './text.js';

/**
 * The sysroot-relative path of the default deployment's own `uEnv.txt`, which ostree merges into
 * the generated one: `<ostree= karg without its leading />/usr/lib/ostree-boot/uEnv.txt` (a path
 * through the `ostree/boot.N` symlinks). Undefined when the first entry has no `options`.
 * Throws InvalidArgument when the options lack `ostree=` or it is not a clean absolute path.
 */
export function ubootTreeEnvPath(entries: readonly BlsEntry[]): string | undefined {
  const first = entries[0];
  if (first?.options === undefined) return undefined;
  const ostree = KernelArgs.parse(first.options).getLastValue('ostree');
  if (ostree === undefined || ostree === null) {
    throw new InvalidArgumentError('No ostree= kernel argument found in boot loader configuration file');
  }
  const rel = ostree.slice(1);
  if (!ostree.startsWith('/') || rel === '' || rel.split('/').some((c) => c === '' || c === '.' || c === '..')) {
    throw new InvalidArgumentError(`unsafe ostree= kernel argument ${JSON.stringify(ostree)}`);
  }
  return `${rel}/usr/lib/ostree-boot/uEnv.txt`;
}

/**
 * The new `uEnv.txt` (ostree-bootloader-uboot.c): for each entry, with suffix "" for the first
 * and `2`, `3`… for the others, `kernel_image`, `ramdisk_image`, `fdt_file`, `fdtdir` (paths with
 * a `/boot` prefix) and `bootargs`; right after the default entry's `bootargs` comes the
 * deployment's own `usr/lib/ostree-boot/uEnv.txt` when it exists (`treeEnv`).
 */
export function generateUbootEnv(entries: readonly BlsEntry[], treeEnv?: string): string {
  const lines: string[] = [];
  entries.forEach((entry, i) => {
    const suffix = i === 0 ? '' : String(i + 1);
    if (entry.linux === undefined) throw new InvalidArgumentError('No "linux" key in bootloader config');
    lines.push(`kernel_image${suffix}=${withBootDirectory(entry.linux)}`);
    if (entry.initrd !== undefined) lines.push(`ramdisk_image${suffix}=${withBootDirectory(entry.initrd)}`);
    if (entry.devicetree !== undefined) lines.push(`fdt_file${suffix}=${withBootDirectory(entry.devicetree)}`);
    const fdtdir = getBlsValue(entry, 'fdtdir');
    if (fdtdir !== undefined) lines.push(`fdtdir${suffix}=${withBootDirectory(fdtdir)}`);
    if (entry.options !== undefined) {
      lines.push(`bootargs${suffix}=${entry.options}`);
      if (i === 0 && treeEnv !== undefined) lines.push(treeEnv);
    }
  });
  return joinLinesOstree(lines);
}
