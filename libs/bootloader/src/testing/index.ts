// Test helpers for backends and for code that drives them (imports vitest: use from tests only).
export { testBootloader } from './test-bootloader.js';
export type { BootloaderConformanceOptions } from './test-bootloader.js';
export { MemorySysroot } from './memory-sysroot.js';
export type { MemoryNode, MemoryTree } from './memory-sysroot.js';
