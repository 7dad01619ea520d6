import { InvalidArgumentError } from '@tsostree/errors';
import {
  checkWriteInput,
  prepareLoaderEntries,
  writePendingFiles,
  type BootloaderBackend,
  type SysrootReadPort,
} from '../bootloader-backend.js';
import { generateGrub2Config } from '../format/grub2-config.js';

/** BIOS GRUB configuration paths ostree probes (Debian's `grub`, Fedora's `grub2`). */
export const GRUB2_BIOS_CONFIG_PATHS = ['boot/grub2/grub.cfg', 'boot/grub/grub.cfg'] as const;

export interface Grub2BackendOptions {
  /**
   * Prefix of kernel paths in `grub.cfg`: `/boot` (default) when GRUB's root holds /boot as a
   * directory, `""` when /boot is its own partition.
   */
  bootPrefix?: string;
  /**
   * The EFI system partition's `grub.cfg` (e.g. `boot/efi/EFI/debian/grub.cfg`) when GRUB boots
   * from EFI: it is then replaced in place, which is not atomic. See `findGrub2EfiConfig`.
   */
  efiConfigPath?: string;
}

/**
 * The first `boot/efi/EFI/<vendor>/grub.cfg` (skipping `BOOT`), as ostree's grub2 query looks
 * for it, or undefined.
 */
export async function findGrub2EfiConfig(read: SysrootReadPort): Promise<string | undefined> {
  const vendors = await read.readDir('boot/efi/EFI');
  if (vendors === undefined) return undefined;
  for (const name of [...vendors].sort()) {
    if (name === 'BOOT' || name.includes('/') || name === '.' || name === '..') continue;
    if ((await read.lstat(`boot/efi/EFI/${name}`)) !== 'directory') continue;
    const path = `boot/efi/EFI/${name}/grub.cfg`;
    if (await read.exists(path)) return path;
  }
  return undefined;
}

/**
 * The `grub2` backend (ostree-bootloader-grub2.c with its built-in generator,
 * src/boot/grub2/ostree-grub-generator): active when `boot/grub2/grub.cfg` or `boot/grub/grub.cfg`
 * exists (normally a symlink to `../loader/grub.cfg`) or an EFI `grub.cfg` is found; writes a
 * complete `boot/loader.N/grub.cfg` with one `menuentry` per entry (see `generateGrub2Config`),
 * or the EFI file in place.
 */
export function createGrub2Backend(options: Grub2BackendOptions = {}): BootloaderBackend {
  const bootPrefix = options.bootPrefix ?? '/boot';
  const efi = options.efiConfigPath;
  if (efi !== undefined && (!/^boot\/efi\/EFI\/[^/]+\/grub\.cfg$/.test(efi) || efi.includes('..'))) {
    throw new InvalidArgumentError(`invalid EFI grub.cfg path ${JSON.stringify(efi)}`);
  }
  return {
    name: 'grub2',
    isAtomic: efi === undefined,
    async isActive(read) {
      for (const path of GRUB2_BIOS_CONFIG_PATHS) if (await read.exists(path)) return true;
      return (await findGrub2EfiConfig(read)) !== undefined;
    },
    async writeConfig(input) {
      checkWriteInput(input);
      const files = prepareLoaderEntries(input);
      const config = generateGrub2Config(
        input.entries.map((e) => e.entry),
        { bootPrefix },
      );
      files.push({ path: efi ?? `boot/loader.${input.bootVersion}/grub.cfg`, data: new TextEncoder().encode(config) });
      await writePendingFiles(input, files);
    },
  };
}
