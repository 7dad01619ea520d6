/** Test support other packages and the benchmarks use: the rpmbuild-made fixture RPM repositories. */
export * from './compose-fixtures.js';
