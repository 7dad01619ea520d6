export { substituteVars } from './treefile-vars.js';
