import type { BlsEntry } from './bls-entry.js';
import { strverscmp } from './strverscmp.js';

/**
 * ostree's order of boot entries (ostree-sysroot.c `compare_boot_loader_configs`): by `version`
 * descending with `strverscmp`, entries without a version last. The default deployment's entry
 * has the highest version, so it comes first. Returns a new array; the sort is stable.
 */
export function sortBlsEntries<T>(items: readonly T[], getEntry: (item: T) => BlsEntry): T[] {
  return [...items].sort((a, b) => {
    const va = getEntry(a).version;
    const vb = getEntry(b).version;
    if (va !== undefined && vb !== undefined) return -strverscmp(va, vb);
    if (va !== undefined) return -1;
    if (vb !== undefined) return 1;
    return 0;
  });
}

/** The absolute path a bootloader that reads the whole disk sees: `/boot` + an entry's path, unless it already starts with `/boot/`. */
export function withBootDirectory(path: string): string {
  return path.startsWith('/boot/') ? path : `/boot${path}`;
}
