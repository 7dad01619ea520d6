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
  const candidates = [...names].sort().filter((f) => f.startsWith('ostree-') && f.endsWith('.conf') && !f.includes('/'));
  // Entries are few and small: read them concurrently.
  const loaded = await Promise.all(
    candidates.map(async (filename) => {
      const path = `${dir}/${filename}`;
      const type = await read.lstat(path);
      if (type !== 'file' && !(type === 'symlink' && (await read.exists(path)))) return undefined;
      const bytes = await read.readFile(path);
      if (bytes === undefined) return undefined;
      try {
        return { filename, entry: parseBlsEntry(bytes, options) };
      } catch (error) {
        throw withContext(`parsing ${filename}`, error);
      }
    }),
  );
  const out = loaded.filter((e): e is LoaderEntry => e !== undefined);
  return sortBlsEntries(out, (e) => e.entry);
}
