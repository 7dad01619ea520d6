import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { NATIVE_SYNCFS_PATH } from '../syncfs-native.js';

/**
 * Records the paths the package's syncfs addon (`syncFilesystem`) is called with in this process, until
 * `restore()`: for tests of options that must (or must not) make a filesystem durable. Without the addon
 * nothing is recorded (objstore then spawns `sync -f`, which a test can intercept on PATH).
 */
export function recordSyncfsCalls(): { calls: string[]; restore(): void } {
  const calls: string[] = [];
  if (!existsSync(NATIVE_SYNCFS_PATH)) return { calls, restore: () => undefined };
  // The same module object syncfs-native.ts loaded (Node caches an addon by its path).
  const addon = createRequire(import.meta.url)(NATIVE_SYNCFS_PATH) as { syncfs(path: string): Promise<number> };
  const original = addon.syncfs;
  addon.syncfs = (path) => {
    calls.push(path);
    return original(path);
  };
  return { calls, restore: () => void (addon.syncfs = original) };
}
