import { defineConfig, mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../vitest.shared.js';

export default mergeConfig(
  packageTestConfig(import.meta.dirname),
  defineConfig({ test: { include: ['**/*.test.ts'], exclude: ['**/node_modules/**', '**/.cache/**'] } }),
);
