/**
 * syncfs(2) through the package's small Node-API addon (native/syncfs.c, built by the `native`
 * target next to the checkout's): Node has no binding for it. The call runs on libuv's thread pool.
 * Without the addon, `syncFilesystem` (repo-objects.ts) spawns coreutils' `sync -f` instead, and
 * without that it fsyncs file by file.
 */
import { constants as osConstants } from 'node:os';
import { loadNativeAddon, nativeAddonPath } from './native-addon.js';

/** Where the `native` target writes the addon. */
export const NATIVE_SYNCFS_PATH = nativeAddonPath('syncfs');

type SyncfsAddon = { syncfs(path: string): Promise<number> };

const errnoNames = new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/**
 * `syncfs` on the filesystem holding `path`, or undefined when the addon is not built (the caller
 * falls back). Rejects with an error shaped like Node's fs errors (`code`, `errno`, `syscall`, `path`).
 */
export function nativeSyncfs(): ((path: string) => Promise<void>) | undefined {
  const { addon } = loadNativeAddon<SyncfsAddon>(NATIVE_SYNCFS_PATH);
  if (!addon) return undefined;
  return async (path) => {
    const errno = await addon.syncfs(path);
    if (errno === 0) return;
    const code = errnoNames.get(errno) ?? `E${errno}`;
    throw Object.assign(new Error(`${code}: syncfs '${path}'`), { code, errno: -errno, syscall: 'syncfs', path });
  };
}
