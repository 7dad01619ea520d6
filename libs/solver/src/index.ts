export { compatibleArches, isArchCompatible } from './arch-policy.js';
export type { ArchPolicyOptions } from './arch-policy.js';
