/** Test support other packages and the benchmarks use: a throwaway nginx serving a directory on loopback. */
export * from './nginx.js';
