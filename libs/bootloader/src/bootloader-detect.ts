import { InvalidArgumentError, UnsupportedError } from '@tsostree/errors';
import type { BootloaderBackend, SysrootReadPort } from './bootloader-backend.js';
import { createBlsBackend } from './backends/bls.js';
import { createGrub2Backend, findGrub2EfiConfig, GRUB2_BIOS_CONFIG_PATHS, type Grub2BackendOptions } from './backends/grub2.js';
import { createSyslinuxBackend } from './backends/syslinux.js';
import { createUbootBackend } from './backends/uboot.js';

/** Values of the repo config key `sysroot.bootloader` this package understands. */
export type BootloaderSetting = 'auto' | 'none' | 'bls' | 'grub2' | 'syslinux' | 'uboot';

async function grub2For(read: SysrootReadPort, options: Grub2BackendOptions): Promise<BootloaderBackend> {
  for (const path of GRUB2_BIOS_CONFIG_PATHS) if (await read.exists(path)) return createGrub2Backend(options);
  const efiConfigPath = await findGrub2EfiConfig(read);
  return createGrub2Backend({ ...options, efiConfigPath });
}

/**
 * Picks the backend for a sysroot as ostree does (`_ostree_sysroot_query_bootloader`): an
 * explicit `sysroot.bootloader` wins (`none` = BLS entries only); `auto` (the default) probes
 * syslinux, then grub2, then u-boot, and falls back to BLS entries only.
 * `zipl` and `aboot` are Unsupported; other values are InvalidArgument.
 */
export async function detectBootloader(
  read: SysrootReadPort,
  options: { setting?: string; grub2?: Grub2BackendOptions } = {},
): Promise<BootloaderBackend> {
  const setting = options.setting ?? 'auto';
  const grub2 = options.grub2 ?? {};
  switch (setting) {
    case 'none':
    case 'bls':
      return createBlsBackend();
    case 'grub2':
      return grub2For(read, grub2);
    case 'syslinux':
      return createSyslinuxBackend();
    case 'uboot':
      return createUbootBackend();
    case 'zipl':
    case 'aboot':
      throw new UnsupportedError(`bootloader ${setting} is not supported`);
    case 'auto': {
      const syslinux = createSyslinuxBackend();
      if (await syslinux.isActive(read)) return syslinux;
      if (await createGrub2Backend().isActive(read)) return grub2For(read, grub2);
      const uboot = createUbootBackend();
      if (await uboot.isActive(read)) return uboot;
      return createBlsBackend();
    }
    default:
      throw new InvalidArgumentError(`invalid sysroot.bootloader value ${JSON.stringify(setting)}`);
  }
}
