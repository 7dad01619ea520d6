// Test helpers for packages that check themselves against the real ostree (not for production use).
export { bootedAdmin, bootedAdminOk, type BootedOstree, type BootedResult } from './booted-ostree.js';
