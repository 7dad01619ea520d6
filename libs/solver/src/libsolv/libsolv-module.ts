import { readFile } from 'node:fs/promises';
import { InternalError, InvalidArgumentError } from '@tsostree/errors';
import createLibsolv, { type LibsolvWasm } from '../../wasm/libsolv.mjs';

/** The few WebAssembly JS API members we use (the global is not in this project's `lib`). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmCompiled>;
  instantiate(module: WasmCompiled, imports: object): Promise<WasmInstance>;
  RuntimeError: new (...args: never[]) => Error;
}
type WasmCompiled = object & { readonly __compiled?: never };
type WasmInstance = object & { readonly __instance?: never };
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/**
 * One instance of libsolv compiled to WebAssembly (libs/solver/wasm/, built by tools/libsolv-wasm/build.sh),
 * with the few helpers every wrapper needs: C strings in and out, byte buffers, queues, and the mapping of a
 * wasm trap (libsolv's abort on out-of-memory, an assertion) to a typed error.
 *
 * After a trap the instance's memory can no longer be trusted: it is marked broken, every later call throws,
 * and `loadLibsolv()` hands out a fresh instance.
 */
export class LibsolvModule {
  broken = false;
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();
  private readonly fns = new Map<string, (...args: number[]) => number>();
  private readonly sources = new Map<number, { chunks: readonly Uint8Array[]; index: number; pos: number }>();
  private nextSource = 1;

  constructor(readonly raw: LibsolvWasm) {
    raw.tslRead = (source, ptr, len) => this.readSource(source, ptr, len);
  }

  /** Calls the exported C function `name` (without its leading underscore). */
  call(name: string, ...args: number[]): number {
    if (this.broken) {
      throw new InternalError('the libsolv WebAssembly instance trapped earlier and cannot be used any more');
    }
    let fn = this.fns.get(name);
    if (!fn) {
      fn = this.raw[`_${name}`];
      if (typeof fn !== 'function') {
        throw new InternalError(`libsolv WebAssembly export missing: ${name}`);
      }
      this.fns.set(name, fn);
    }
    try {
      return fn.apply(null, args);
    } catch (error) {
      if (error instanceof wasm.RuntimeError) {
        this.broken = true;
        if (current === this) current = undefined;
        throw new InternalError(`libsolv trapped in ${name}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  /** Reads the NUL-terminated UTF-8 string at `ptr` ('' for NULL). */
  string(ptr: number): string {
    if (!ptr) return '';
    const heap = this.raw.HEAPU8;
    let end = ptr;
    let ascii = true;
    for (let c = heap[end]; c !== 0; c = heap[++end]) if ((c as number) > 0x7f) ascii = false;
    // Short ASCII strings (names, versions, arches) are the common case; TextDecoder costs more than it saves there.
    if (ascii && end - ptr < 128) return String.fromCharCode.apply(null, heap.subarray(ptr, end) as unknown as number[]);
    return this.decoder.decode(heap.subarray(ptr, end));
  }

  /** Copies `bytes` into a fresh malloc'ed buffer; the caller frees it with `free`. */
  alloc(bytes: Uint8Array): number {
    const ptr = this.call('malloc', Math.max(1, bytes.length));
    if (!ptr) throw new InternalError(`libsolv: out of memory allocating ${bytes.length} bytes`);
    this.raw.HEAPU8.set(bytes, ptr);
    return ptr;
  }

  free(ptr: number): void {
    if (ptr) this.call('free', ptr);
  }

  /** Runs `fn` with `text` as a temporary NUL-terminated C string. */
  withString<T>(text: string, fn: (ptr: number) => T): T {
    if (text.includes('\0')) throw new InvalidArgumentError('string contains a NUL byte', { data: { text } });
    const bytes = this.encoder.encode(text);
    const buf = new Uint8Array(bytes.length + 1);
    buf.set(bytes);
    const ptr = this.alloc(buf);
    try {
      return fn(ptr);
    } finally {
      this.free(ptr);
    }
  }

  /** Runs `fn` with `bytes` copied into wasm memory (ptr, length). */
  withBytes<T>(bytes: Uint8Array, fn: (ptr: number, length: number) => T): T {
    const ptr = this.alloc(bytes);
    try {
      return fn(ptr, bytes.length);
    } finally {
      this.free(ptr);
    }
  }

  /**
   * Runs `fn` with `bytes` registered as a byte source: C code reads it as a FILE in blocks (glue.c sourcefile),
   * each block copied once into wasm memory, so a large document never has to fit in the wasm heap whole.
   * Several chunks are read one after the other, as one document.
   */
  withSource<T>(bytes: Uint8Array | readonly Uint8Array[], fn: (source: number) => T): T {
    const source = this.nextSource++;
    this.sources.set(source, { chunks: bytes instanceof Uint8Array ? [bytes] : bytes, index: 0, pos: 0 });
    try {
      return fn(source);
    } finally {
      this.sources.delete(source);
    }
  }

  /** Called from wasm (it must not call back into wasm nor throw): copies the next block of a source to `ptr`. */
  private readSource(source: number, ptr: number, len: number): number {
    const s = this.sources.get(source);
    if (!s) return -1;
    for (;;) {
      const chunk = s.chunks[s.index];
      if (!chunk) return 0;
      const n = Math.min(len, chunk.length - s.pos);
      if (n > 0) {
        this.raw.HEAPU8.set(chunk.subarray(s.pos, s.pos + n), ptr >>> 0);
        s.pos += n;
        return n;
      }
      s.index++;
      s.pos = 0;
    }
  }

  /** Runs `fn` with a temporary libsolv Queue. */
  withQueue<T>(fn: (queue: number) => T, initial: readonly number[] = []): T {
    const queue = this.newQueue(initial);
    try {
      return fn(queue);
    } finally {
      this.call('tsl_queue_free', queue);
    }
  }

  /** Creates a queue holding `ids`; the caller frees it with tsl_queue_free. */
  newQueue(ids: readonly number[] = []): number {
    const queue = this.call('tsl_queue_new');
    for (const id of ids) this.call('tsl_queue_push', queue, id);
    return queue;
  }

  /** The elements of a queue, copied out. */
  queueToArray(queue: number): number[] {
    const count = this.call('tsl_queue_count', queue);
    if (count === 0) return [];
    const elements = this.call('tsl_queue_elements', queue) >>> 2;
    return Array.from(this.raw.HEAP32.subarray(elements, elements + count));
  }

  /** Bytes currently allocated on the wasm heap (mallinfo's uordblks). */
  heapUsed(): number {
    return this.call('tsl_heap_used');
  }

  /** Total size of the wasm linear memory. */
  memorySize(): number {
    return this.raw.HEAPU8.length;
  }
}

let compiled: Promise<WasmCompiled> | undefined;
let current: LibsolvModule | undefined;
let pending: Promise<LibsolvModule> | undefined;

/** The emscripten loader, also imported by the rpm-md worker threads (rpmmd-workers.ts). */
export const LOADER_URL = new URL('../../wasm/libsolv.mjs', import.meta.url);

/** The compiled module (compiled once per process; worker threads are handed this one and share its code). */
export function compileLibsolv(): Promise<WasmCompiled> {
  compiled ??= readFile(new URL('../../wasm/libsolv.wasm', import.meta.url)).then((bytes) => wasm.compile(bytes));
  return compiled;
}
const compile = compileLibsolv;

/** Instantiates a new, independent libsolv instance (its own heap). */
export async function createLibsolvModule(): Promise<LibsolvModule> {
  const module = await compile();
  // Emscripten 3.1.6's loader would fetch() the .wasm on Node 18+; we instantiate it ourselves instead.
  const raw = await createLibsolv({
    instantiateWasm(imports, receive) {
      void wasm.instantiate(module, imports).then((instance) => receive(instance, module));
      return {};
    },
  });
  return new LibsolvModule(raw);
}

/** The shared libsolv instance, loaded on first use (and again after a trap). */
export function loadLibsolv(): Promise<LibsolvModule> {
  if (current && !current.broken) return Promise.resolve(current);
  pending ??= createLibsolvModule().then(
    (mod) => {
      current = mod;
      pending = undefined;
      return mod;
    },
    (error: unknown) => {
      pending = undefined;
      throw new InternalError('cannot load libsolv WebAssembly module', { cause: error });
    },
  );
  return pending;
}
