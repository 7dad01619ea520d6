/**
 * Test support other packages and the benchmarks use: a throwaway nginx serving a directory on loopback, and a
 * recorder of the syncfs calls made in this process.
 */
export * from './nginx.js';
export * from './syncfs-calls.js';
