import { checkWriteInput, prepareLoaderEntries, writePendingFiles, type BootloaderBackend } from '../bootloader-backend.js';

/**
 * The `bls` backend (ostree's `sysroot.bootloader=none`): only the Boot Loader Specification
 * entries, for GRUB with `blscfg` and systemd-boot, which read `boot/loader/entries` themselves.
 * It is always usable, so detection falls back to it.
 */
export function createBlsBackend(): BootloaderBackend {
  return {
    name: 'bls',
    isAtomic: true,
    async isActive() {
      return true;
    },
    async writeConfig(input) {
      checkWriteInput(input);
      await writePendingFiles(input, prepareLoaderEntries(input));
    },
  };
}
