// Shared Vitest settings for every package: resolve workspace packages to their TypeScript
// sources (the `@tsostree/source` export condition) and write a JSON report that
// tools/scripts/test-all.mjs sums into the closing "N passed, N failed" line.
import { join } from 'node:path';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

export interface PackageTestOptions {
  /** Per-test timeout; tests that drive real tools (ostree, rpmbuild) need more than the default. */
  testTimeout?: number;
}

export function packageTestConfig(projectRoot: string, options: PackageTestOptions = {}): ViteUserConfig {
  const conditions = ['@tsostree/source', 'import', 'module', 'node', 'default'];
  return defineConfig({
    root: projectRoot,
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@tsostree/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 60_000,
      hookTimeout: 120_000,
      pool: 'forks',
      reporters: ['default', ['json', { outputFile: join(projectRoot, '.reports', 'vitest.json') }]],
    },
  });
}
