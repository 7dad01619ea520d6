export { blsEntryFilename } from './bls-entry-filename.js';
export type { BlsNaming } from './bls-entry-filename.js';
