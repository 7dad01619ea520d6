// Subpath entry `@tsostree/bootloader/grub2`.
export * from './grub2.js';
