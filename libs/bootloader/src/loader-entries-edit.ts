import { withContext } from '@tsostree/errors';
import { checkAborted, type SysrootReadPort, type SysrootWritePort } from './bootloader-backend.js';
import { parseBlsEntry, writeBlsEntry, writeBlsEntryBytes, type BlsEntry } from './format/bls-entry.js';
import { KernelArgs } from './format/kernel-args.js';

/** The entries directory of the current boot version (through the `boot/loader` symlink). */
export const CURRENT_ENTRIES_DIR = 'boot/loader/entries';

/**
 * Rewrites the entries of the current boot version in place, without a new boot version
 * (ostree's `ostree_sysroot_deployment_set_kargs_in_place`, used by `ostree admin kargs
 * edit-in-place`): every `boot/loader/entries/ostree-*.conf` is parsed, passed to `edit`, and
 * written back through the `boot/loader` symlink when its bytes changed. All entries are parsed
 * and edited before the first write. Returns the file names that were rewritten.
 *
 * This is not atomic across entries; callers hold the sysroot lock and refuse staged deployments.
 */
export async function editCurrentLoaderEntries(options: {
  read: SysrootReadPort;
  write: SysrootWritePort;
  edit: (entry: BlsEntry, filename: string) => BlsEntry;
  signal?: AbortSignal;
}): Promise<string[]> {
  const names = (await options.read.readDir(CURRENT_ENTRIES_DIR)) ?? [];
  const pending: Array<{ filename: string; data: Uint8Array }> = [];
  for (const filename of names.filter((f) => f.startsWith('ostree-') && f.endsWith('.conf') && !f.includes('/')).sort()) {
    checkAborted(options.signal);
    const path = `${CURRENT_ENTRIES_DIR}/${filename}`;
    if ((await options.read.lstat(path)) !== 'file') continue;
    const bytes = await options.read.readFile(path);
    if (bytes === undefined) continue;
    let before: BlsEntry;
    try {
      before = parseBlsEntry(bytes);
    } catch (error) {
      throw withContext(`parsing ${filename}`, error);
    }
    const original = writeBlsEntry(before);
    const after = options.edit(structuredClone(before), filename);
    if (writeBlsEntry(after) !== original || original !== new TextDecoder().decode(bytes)) {
      pending.push({ filename, data: writeBlsEntryBytes(after) });
    }
  }
  for (const { filename, data } of pending) {
    checkAborted(options.signal);
    await options.write.writeFile(`${CURRENT_ENTRIES_DIR}/${filename}`, data);
  }
  return pending.map((p) => p.filename);
}

/** Applies a kernel-argument edit to an entry's `options` (a helper for {@link editCurrentLoaderEntries}). */
export function editEntryKernelArgs(entry: BlsEntry, edit: (kargs: KernelArgs) => void): BlsEntry {
  const kargs = KernelArgs.parse(entry.options);
  edit(kargs);
  return { ...entry, options: kargs.toString() };
}
