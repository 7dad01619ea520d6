/**
 * Loading the package's optional Node-API addons (native/*.c, built by the `native` target): each
 * is loaded once, by path; when it was not built or does not load here (another libc, no
 * liblzma.so.5 …) the caller runs its JavaScript or command-line fallback.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const loaded = new Map<string, { addon?: unknown; error?: unknown }>();

/** Where the `native` target writes `name.node` (the same relative place from src/ and dist/). */
export function nativeAddonPath(name: string): string {
  return fileURLToPath(new URL(`../native/build/${name}.node`, import.meta.url));
}

/** The addon at `path`, loaded once; `addon` is undefined (and `error` says why, if it failed to load) when it cannot be used. */
export function loadNativeAddon<T>(path: string): { addon?: T; error?: unknown } {
  let entry = loaded.get(path);
  if (!entry) {
    entry = {};
    if (existsSync(path)) {
      try {
        entry.addon = require(path);
      } catch (error) {
        entry.error = error;
      }
    }
    loaded.set(path, entry);
  }
  return entry as { addon?: T; error?: unknown };
}
