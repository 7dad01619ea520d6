export { formatConfigDiff } from './config-diff-format.js';
export type { ConfigDiffEntry } from './config-diff-format.js';
