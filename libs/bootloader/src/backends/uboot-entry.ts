// Subpath entry `@tsostree/bootloader/uboot`.
export * from './uboot.js';
