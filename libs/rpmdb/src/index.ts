export { rpmvercmp, compareEvr } from './format/rpmvercmp.js';
export type { Evr } from './format/rpmvercmp.js';
export {
  COMPRESSIONS,
  compressionFromName,
  decompress,
  detectCompression,
  zstdBackend,
  type Compression,
  type DecompressOptions,
} from './compress/decompress.js';
