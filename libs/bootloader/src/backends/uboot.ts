import { NotFoundError, withContext } from '@tsostree/errors';
import { checkWriteInput, prepareLoaderEntries, writePendingFiles, type BootloaderBackend } from '../bootloader-backend.js';
import { decodeConfigText } from '../format/text.js';
import { generateUbootEnv, ubootTreeEnvPath } from '../format/uboot-env.js';

/** The file U-Boot reads (through `boot/uEnv.txt` → `loader/uEnv.txt`). */
export const UBOOT_CONFIG_PATH = 'boot/loader/uEnv.txt';
const MAX_ENV_BYTES = 1024 * 1024;

/**
 * The `uboot` backend (ostree-bootloader-uboot.c): active when `boot/loader/uEnv.txt` exists;
 * writes `boot/loader.N/uEnv.txt` with the entries' variables, merging the default deployment's
 * own `usr/lib/ostree-boot/uEnv.txt` (read through the `ostree=` boot link), see `generateUbootEnv`.
 */
export function createUbootBackend(): BootloaderBackend {
  return {
    name: 'uboot',
    isAtomic: true,
    async isActive(read) {
      return (await read.lstat(UBOOT_CONFIG_PATH)) !== undefined;
    },
    async writeConfig(input) {
      checkWriteInput(input);
      const files = prepareLoaderEntries(input);
      // ostree reads the current file first and fails without it.
      if ((await input.read.readFile(UBOOT_CONFIG_PATH)) === undefined) {
        throw new NotFoundError(`${UBOOT_CONFIG_PATH}: no such file`);
      }
      const entries = input.entries.map((e) => e.entry);
      const treeEnvPath = ubootTreeEnvPath(entries);
      let treeEnv: string | undefined;
      if (treeEnvPath !== undefined) {
        const bytes = await input.read.readFile(treeEnvPath);
        if (bytes !== undefined) {
          try {
            treeEnv = decodeConfigText(bytes, treeEnvPath, MAX_ENV_BYTES);
          } catch (error) {
            throw withContext(`reading ${treeEnvPath}`, error);
          }
        }
      }
      const env = generateUbootEnv(entries, treeEnv);
      files.push({ path: `boot/loader.${input.bootVersion}/uEnv.txt`, data: new TextEncoder().encode(env) });
      await writePendingFiles(input, files);
    },
  };
}
