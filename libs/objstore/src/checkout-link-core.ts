/**
 * The per-file work of a hardlink checkout, written once and run by both threads: the main thread
 * compiles it with `vm`, the link worker (checkout-link-worker.ts) embeds the same source. It is
 * plain JavaScript in a string because a worker file would need a TypeScript loader under the
 * test runner; {@link LinkCore} is its typed face.
 *
 * The planned tree arrives as shared memory (see checkout-hardlink.ts `TreePlan`): one byte arena
 * holding every dirtree and every directory path, and `Int32Array`s of positions in it. Paths are
 * assembled in reused byte buffers and passed to `fs` as bytes: a checkout of 100,000 files makes
 * almost no strings, so there is little for the garbage collector to do on either thread.
 *
 * With `options.native` (the C core of native/checkout-link.c), `linkRange` and `makeDirRange` run
 * a whole chunk in one native call and only turn a failure into the error `fs` would have thrown.
 */
import * as fs from 'node:fs';
import { runInThisContext } from 'node:vm';
import type { NativeLinker } from './checkout-native.js';

/** Per-file outcome in the shared state array. */
export const DONE = 1;
export const FALLBACK = 2;
/** `Int32Array` fields per planned file: name start, name end, content checksum start (arena offsets), directory index. */
export const FILE_FIELDS = 4;
/** Fields per planned directory: path start, path end (arena offsets), parent index (-1 for the root). */
export const DIR_FIELDS = 3;

/** What the core needs of a plan; typed arrays over `SharedArrayBuffer`s so they cross into the worker without a copy. */
export interface LinkJob {
  arena: Uint8Array;
  files: Int32Array;
  dirs: Int32Array;
  /** The objects directory with a trailing `/`, and the object file suffix (`.file`). */
  objectsPrefix: string;
  suffix: string;
}

export interface LinkCore {
  /**
   * link(2) the object `src` to `dest`, or recreate a bare-user symlink object as a symlink.
   * Returns {@link FALLBACK} when the object must take the copy path (another filesystem, too
   * many links, metadata missing or unreadable); throws the system error otherwise.
   */
  linkObject(src: string, dest: string | Uint8Array): number;
  /** Creates planned directory `d` (mode 0700; metadata comes last). Throws the system error. */
  makeDir(d: number): void;
  /** {@link linkObject} for planned file `i`. */
  linkFile(i: number): number;
  /**
   * Links files `[start, end)`, writing each outcome to `state[file0 + i]`. Throws the system error
   * of the first file that fails, with its index in `checkoutIndex`.
   */
  linkRange(state: Int32Array, file0: number, start: number, end: number): void;
  /**
   * Creates directories `[start, end)` in order, each once its parent's flag `state[dir0 + parent]`
   * is set, and sets (and notifies) their own flags. Returns -1 when all are created, or the index of
   * the first one whose parent is not created yet. Throws like {@link linkRange}.
   */
  makeDirRange(state: Int32Array, dir0: number, start: number, end: number): number;
}

/** The index of the file or directory whose syscall failed, on an error thrown by a range call. */
export function checkoutIndexOf(error: unknown): number | undefined {
  const i = (error as { checkoutIndex?: unknown } | null)?.checkoutIndex;
  return typeof i === 'number' ? i : undefined;
}

export interface LinkCoreOptions {
  /** bare-user: the mode (symlink or not) is in the `user.ostreemeta` xattr, read with `getMeta`. */
  readMeta: boolean;
  userMode: boolean;
  getMeta: (path: string) => Uint8Array | null | undefined;
  job?: LinkJob;
  /** The native core (checkout-native.ts): range calls run in C; `errors` is `util.getSystemErrorMap()`. */
  native?: NativeLinker;
  errors?: Map<number, [string, string]>;
}

/** `function (fs, options) { … return core; }`, CommonJS-safe, no free variables but `Buffer` and `Atomics`. */
export const LINK_CORE_SOURCE = `function linkCore(fs, options) {
  const { readMeta, userMode, getMeta, job, native, errors } = options;
  const DONE = ${DONE}, FALLBACK = ${FALLBACK}, FILE_FIELDS = ${FILE_FIELDS}, DIR_FIELDS = ${DIR_FIELDS};
  const target = Buffer.allocUnsafe(4097);
  function linkObject(src, dest) {
    if (readMeta) {
      let raw;
      try {
        raw = getMeta(src);
      } catch {
        return FALLBACK;
      }
      // (uuua(ayay)) starts with three big-endian u32s: the mode is bytes 8..12.
      if (!raw || raw.length < 12) return FALLBACK;
      const mode = ((raw[8] << 24) | (raw[9] << 16) | (raw[10] << 8) | raw[11]) >>> 0;
      if ((mode & 0o170000) === 0o120000) {
        // A symlink is stored as a small file holding the target (+ NUL): recreate it right here.
        if (!userMode) return FALLBACK;
        let n;
        try {
          const fd = fs.openSync(src, 'r');
          try {
            n = fs.readSync(fd, target, 0, target.length, 0);
          } finally {
            fs.closeSync(fd);
          }
        } catch {
          return FALLBACK;
        }
        let end = target.indexOf(0);
        if (end < 0 || end > n) end = n;
        if (end === 0 || end === target.length) return FALLBACK;
        fs.symlinkSync(target.toString('utf8', 0, end), dest);
        return DONE;
      }
    }
    try {
      fs.linkSync(src, dest);
      return DONE;
    } catch (error) {
      const code = error && error.code;
      if (code === 'EXDEV' || code === 'EMLINK' || code === 'EPERM' || code === 'ENOENT') return FALLBACK;
      throw error;
    }
  }
  if (!job) return { linkObject, makeDir: undefined, linkFile: undefined, linkRange: undefined, makeDirRange: undefined };
  const { files, dirs } = job;
  const arena = Buffer.from(job.arena.buffer, job.arena.byteOffset, job.arena.byteLength);
  const HEX = Buffer.from('0123456789abcdef', 'latin1');
  // The object path: prefix, 2 hex digits, '/', 62 hex digits, suffix; rewritten in place per file.
  const prefix = Buffer.from(job.objectsPrefix, 'utf8');
  const suffix = Buffer.from(job.suffix, 'utf8');
  const src = Buffer.alloc(prefix.length + 65 + suffix.length);
  prefix.copy(src, 0);
  src[prefix.length + 2] = 0x2f;
  suffix.copy(src, prefix.length + 65);
  // The destination path: the directory path, '/', the name; one view per length, made once.
  let dest = Buffer.allocUnsafe(4096);
  let views = [];
  let destDir = -1;
  let destDirLen = 0;
  function srcPath(i) {
    const c = files[i * FILE_FIELDS + 2];
    let p = prefix.length;
    for (let k = 0; k < 32; k++) {
      const v = arena[c + k];
      src[p++] = HEX[v >> 4];
      src[p++] = HEX[v & 15];
      if (k === 0) p++;
    }
    return readMeta ? src.toString() : src;
  }
  function destPath(i) {
    const f = i * FILE_FIELDS;
    const d = files[f + 3];
    const ns = files[f], ne = files[f + 1];
    const ds = dirs[d * DIR_FIELDS], de = dirs[d * DIR_FIELDS + 1];
    const len = de - ds + 1 + ne - ns;
    if (len > dest.length) {
      dest = Buffer.allocUnsafe(len * 2);
      views = [];
      destDir = -1;
    }
    if (d !== destDir) {
      for (let k = ds; k < de; k++) dest[k - ds] = arena[k];
      dest[de - ds] = 0x2f;
      destDir = d;
      destDirLen = de - ds + 1;
    }
    for (let k = ns, p = destDirLen; k < ne; k++, p++) dest[p] = arena[k];
    return views[len] || (views[len] = dest.subarray(0, len));
  }
  function dirPath(d) {
    return arena.subarray(dirs[d * DIR_FIELDS], dirs[d * DIR_FIELDS + 1]);
  }
  function makeDir(d) {
    fs.mkdirSync(dirPath(d), 0o700);
  }
  function linkFile(i) {
    return linkObject(srcPath(i), destPath(i));
  }
  function at(error, index) {
    if (error && typeof error === 'object') error.checkoutIndex = index;
    return error;
  }
  // The error fs would have thrown for the same failure (code, message, path, dest): the two cores
  // report alike.
  function systemError(errno, syscall, path, dest) {
    const known = errors && errors.get(-errno);
    const code = known ? known[0] : 'Unknown system error ' + -errno;
    const what = known ? known[1] : 'unknown error';
    const error = new Error(code + ': ' + what + ', ' + syscall + " '" + path + "'" + (dest === undefined ? '' : " -> '" + dest + "'"));
    error.errno = -errno;
    error.code = code;
    error.syscall = syscall;
    error.path = path;
    if (dest !== undefined) error.dest = dest;
    return error;
  }
  const out = new Int32Array(2);
  const flags = (readMeta ? 1 : 0) | (userMode ? 2 : 0);
  const OP_LINK = 1, OP_SYMLINK = 2;
  function nativeFailure(r, what) {
    if (r === -2) return new Error('native checkout core: inconsistent plan (' + what + ')');
    return null;
  }
  function linkRange(state, file0, start, end) {
    if (native) {
      const r = native.linkFiles(job.arena, files, dirs, state, prefix, suffix, out, file0, start, end, flags);
      if (r === -1) return;
      const bad = nativeFailure(r, 'files ' + start + '..' + end);
      if (bad) throw at(bad, start);
      const src = srcPath(r).toString();
      const dest = destPath(r).toString();
      if (out[1] === OP_SYMLINK) {
        const raw = fs.readFileSync(src);
        const nul = raw.indexOf(0);
        throw at(systemError(out[0], 'symlink', raw.toString('utf8', 0, nul < 0 ? raw.length : nul), dest), r);
      }
      throw at(systemError(out[0], out[1] === OP_LINK ? 'link' : 'unknown', src, dest), r);
    }
    let i = start;
    try {
      for (; i < end; i++) state[file0 + i] = linkFile(i);
    } catch (error) {
      throw at(error, i);
    }
  }
  function makeDirRange(state, dir0, start, end) {
    if (native) {
      const r = native.makeDirs(job.arena, files, dirs, state, prefix, suffix, out, dir0, start, end);
      const bad = nativeFailure(r, 'directories ' + start + '..' + end);
      if (bad) throw at(bad, start);
      for (let d = start; d < (r === -1 ? end : r); d++) Atomics.notify(state, dir0 + d);
      if (r >= 0 && out[0] !== 0) throw at(systemError(out[0], 'mkdir', dirPath(r).toString()), r);
      return r;
    }
    for (let d = start; d < end; d++) {
      if (Atomics.load(state, dir0 + dirs[d * DIR_FIELDS + 2]) === 0) return d;
      try {
        makeDir(d);
      } catch (error) {
        throw at(error, d);
      }
      Atomics.store(state, dir0 + d, 1);
      Atomics.notify(state, dir0 + d);
    }
    return -1;
  }
  return { linkObject, makeDir, linkFile, linkRange, makeDirRange };
}`;

type LinkCoreFactory = (fsModule: typeof fs, options: LinkCoreOptions) => LinkCore;
let factory: LinkCoreFactory | undefined;

/** The core for this thread (the worker builds its own from the same source). */
export function linkCore(options: LinkCoreOptions): LinkCore {
  factory ??= runInThisContext(`(${LINK_CORE_SOURCE})`, { filename: 'tsostree-checkout-link-core.js' }) as LinkCoreFactory;
  return factory(fs, options);
}
