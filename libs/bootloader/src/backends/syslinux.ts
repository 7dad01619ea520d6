import { NotFoundError, withContext } from '@tsostree/errors';
import { checkWriteInput, prepareLoaderEntries, writePendingFiles, type BootloaderBackend } from '../bootloader-backend.js';
import { generateSyslinuxConfig } from '../format/syslinux-config.js';
import { decodeConfigText } from '../format/text.js';

/** Where syslinux reads its configuration: a symlink to `../loader/syslinux.cfg`. */
export const SYSLINUX_CONFIG_PATH = 'boot/syslinux/syslinux.cfg';
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The `syslinux` backend (ostree-bootloader-syslinux.c): active when `boot/syslinux/syslinux.cfg`
 * exists (usually a symlink to `../loader/syslinux.cfg`); writes `boot/loader.N/syslinux.cfg`
 * from the current file (through that symlink) and the entries, see `generateSyslinuxConfig`.
 */
export function createSyslinuxBackend(): BootloaderBackend {
  return {
    name: 'syslinux',
    isAtomic: true,
    async isActive(read) {
      return (await read.lstat(SYSLINUX_CONFIG_PATH)) !== undefined;
    },
    async writeConfig(input) {
      checkWriteInput(input);
      const files = prepareLoaderEntries(input);
      const current = await input.read.readFile(SYSLINUX_CONFIG_PATH);
      if (current === undefined) throw new NotFoundError(`${SYSLINUX_CONFIG_PATH}: no such file`);
      let text: string;
      try {
        text = decodeConfigText(current, SYSLINUX_CONFIG_PATH, MAX_CONFIG_BYTES);
      } catch (error) {
        throw withContext(`reading ${SYSLINUX_CONFIG_PATH}`, error);
      }
      const config = generateSyslinuxConfig(text, input.entries.map((e) => e.entry));
      files.push({ path: `boot/loader.${input.bootVersion}/syslinux.cfg`, data: new TextEncoder().encode(config) });
      await writePendingFiles(input, files);
    },
  };
}
