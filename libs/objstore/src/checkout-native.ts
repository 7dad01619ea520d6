/**
 * The native link core (native/checkout-link.c, a Node-API addon built by the package's `native`
 * target): it runs a whole chunk of a planned hardlink checkout per call, so a file costs its
 * syscalls (lgetxattr, link or open/pread/symlink) and nothing else; it also reads the plan's dirtree
 * objects (one call each instead of five cold `fs` calls). Without it (not built, or a
 * custom xattr port that C cannot call) the JavaScript link core does the same work.
 */
import { loadNativeAddon, nativeAddonPath } from './native-addon.js';

/** The addon's functions; see checkout-link.c for the arguments and return values. */
export interface NativeLinker {
  linkFiles(
    arena: Uint8Array,
    files: Int32Array,
    dirs: Int32Array,
    state: Int32Array,
    prefix: Uint8Array,
    suffix: Uint8Array,
    out: Int32Array,
    file0: number,
    start: number,
    end: number,
    flags: number,
  ): number;
  makeDirs(
    arena: Uint8Array,
    files: Int32Array,
    dirs: Int32Array,
    state: Int32Array,
    prefix: Uint8Array,
    suffix: Uint8Array,
    out: Int32Array,
    dir0: number,
    start: number,
    end: number,
  ): number;
  /** A small regular file's bytes, read like readMetadataObjectSync reads an object; null for anything else. */
  readObject(path: string): Buffer | null;
}

/** Where the `native` target writes the addon (the same relative place from src/ and dist/). */
export const NATIVE_LINKER_PATH = nativeAddonPath('checkout-link');

/** The addon, loaded once; undefined when it was not built or does not load (the JS core is used). */
export function nativeLinker(): NativeLinker | undefined {
  return loadNativeAddon<NativeLinker>(NATIVE_LINKER_PATH).addon;
}

/** Why the addon is not used (for tests and the benchmark): undefined when it is loaded. */
export function nativeLinkerProblem(): string | undefined {
  const { addon, error } = loadNativeAddon<NativeLinker>(NATIVE_LINKER_PATH);
  if (addon) return undefined;
  return error ? `loading ${NATIVE_LINKER_PATH} failed: ${String(error)}` : `${NATIVE_LINKER_PATH} was not built`;
}
