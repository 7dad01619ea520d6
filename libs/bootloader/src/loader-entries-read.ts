import { withContext } from '@tsostree/errors';
import type { LoaderEntry, SysrootReadPort } from './bootloader-backend.js';
import { parseBlsEntry, type ParseBlsEntryOptions } from './format/bls-entry.js';
import { sortBlsEntries } from './format/bls-sort.js';

/**
 * Reads the entries of a boot version as ostree does (`_ostree_sysroot_read_boot_loader_configs`):
 * the regular files `boot/loader.<bv>/entries/ostree-*.conf`, parsed, in boot order (default
 * first). A missing directory gives no entries; a malformed entry is a ParseError naming the file.
 */
export async function readLoaderEntries(
  read: SysrootReadPort,
  bootVersion: 0 | 1,
  options: ParseBlsEntryOptions = {},
): Promise<LoaderEntry[]> {
  const dir = `boot/loader.${bootVersion}/entries`;
  const names = await read.readDir(dir);
  if (names === undefined) return [];
  const out: LoaderEntry[] = [];
  for (const filename of [...names].sort()) {
    if (!filename.startsWith('ostree-') || !filename.endsWith('.conf') || filename.includes('/')) continue;
    const path = `${dir}/${filename}`;
    const type = await read.lstat(path);
    if (type !== 'file' && !(type === 'symlink' && (await read.exists(path)))) continue;
    const bytes = await read.readFile(path);
    if (bytes === undefined) continue;
    try {
      out.push({ filename, entry: parseBlsEntry(bytes, options) });
    } catch (error) {
      throw withContext(`parsing ${filename}`, error);
    }
  }
  return sortBlsEntries(out, (e) => e.entry);
}
