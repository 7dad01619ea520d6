// Moved to src/testing/nginx.ts (published as @tsostree/objstore/testing); kept for the package's own tests.
export * from '../src/testing/nginx.js';
