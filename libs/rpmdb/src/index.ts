export { rpmvercmp, compareEvr } from './format/rpmvercmp.js';
export type { Evr } from './format/rpmvercmp.js';
