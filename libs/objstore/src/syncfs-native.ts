/**
 * syncfs(2) through the package's small Node-API addon (native/syncfs.c, built by the `native`
 * target next to the checkout's): Node has no binding for it. The call runs on libuv's thread pool.
 * Without the addon, `syncFilesystem` (repo-objects.ts) spawns coreutils' `sync -f` instead, and
 * without that it fsyncs file by file.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Where the `native` target writes the addon (the same relative place from src/ and dist/). */
export const NATIVE_SYNCFS_PATH = fileURLToPath(new URL('../native/build/syncfs.node', import.meta.url));

type SyncfsAddon = { syncfs(path: string): Promise<number> };
let loaded: { addon?: SyncfsAddon } | undefined;

const errnoNames = new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/**
 * `syncfs` on the filesystem holding `path`, or undefined when the addon is not built (the caller
 * falls back). Rejects with an error shaped like Node's fs errors (`code`, `errno`, `syscall`, `path`).
 */
export function nativeSyncfs(): ((path: string) => Promise<void>) | undefined {
  if (!loaded) {
    loaded = {};
    if (existsSync(NATIVE_SYNCFS_PATH)) {
      try {
        loaded.addon = createRequire(import.meta.url)(NATIVE_SYNCFS_PATH) as SyncfsAddon;
      } catch {
        // Not loadable here: the fallback runs.
      }
    }
  }
  const addon = loaded.addon;
  if (!addon) return undefined;
  return async (path) => {
    const errno = await addon.syncfs(path);
    if (errno === 0) return;
    const code = errnoNames.get(errno) ?? `E${errno}`;
    throw Object.assign(new Error(`${code}: syncfs '${path}'`), { code, errno: -errno, syscall: 'syncfs', path });
  };
}
