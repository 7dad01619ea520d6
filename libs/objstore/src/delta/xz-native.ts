/**
 * xz decoding through the package's small Node-API addon (native/xz.c, built by the `native` target
 * next to the checkout's), linked against the system liblzma: faster than the liblzma 5.2.3 that
 * `lzma-native` bundles (see the README), decoded on libuv's thread pool into a Buffer that owns the
 * decoded bytes. It accepts exactly what lzma-native's decompressor accepts; `delta-xz.ts` turns its
 * errors into the same `CorruptError`s. Not built (no liblzma-dev) or not loadable: lzma-native decodes.
 */
import { loadNativeAddon, nativeAddonPath } from '../native-addon.js';

/** Where the `native` target writes the addon. */
export const NATIVE_XZ_PATH = nativeAddonPath('xz');

/**
 * Rejects with lzma-native's error shape (`message`, `name` such as "LZMA_DATA_ERROR", numeric `code`)
 * or with `code` {@link XZ_OUTPUT_LIMIT} when the output would exceed `maxOutput` bytes.
 */
export interface XzAddon {
  xzDecode(input: Uint8Array, maxOutput: number): Promise<Buffer>;
  /** The liblzma the addon runs with (`lzma_version_string()`). */
  liblzmaVersion: string;
}

/** The addon's rejection `code` for output beyond `maxOutput` (found as soon as one byte too many is decoded). */
export const XZ_OUTPUT_LIMIT = 'ERR_XZ_OUTPUT_LIMIT';

/** The addon, or undefined when it is not built or does not load here (the caller falls back to lzma-native). */
export function nativeXz(): XzAddon | undefined {
  return loadNativeAddon<XzAddon>(NATIVE_XZ_PATH).addon;
}
