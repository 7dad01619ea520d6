// Subpath entry `@tsostree/bootloader/syslinux`.
export * from './syslinux.js';
