// Types for the emscripten-generated loader (tools/libsolv-wasm/build.sh). The binding in
// src/libsolv/libsolv-module.ts is the only user.
export interface LibsolvWasmOptions {
  wasmBinary?: Uint8Array;
  instantiateWasm?: (imports: object, receive: (instance: object, module?: object) => void) => object;
}
export interface LibsolvWasm {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  /** Byte sources for the C side's FILE readers (glue.c sourcefile); set by the binding. */
  tslRead?: (source: number, ptr: number, len: number) => number;
  [fn: `_${string}`]: (...args: number[]) => number;
}
declare function createLibsolv(options?: LibsolvWasmOptions): Promise<LibsolvWasm>;
export default createLibsolv;
