// Subpath entry `@tsostree/bootloader/bls`.
export * from './bls.js';
