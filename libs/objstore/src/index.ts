export { looseObjectPath, isChecksum, assertChecksum, isObjectType } from './format/object-path.js';
export type { ObjectType } from './format/object-path.js';
