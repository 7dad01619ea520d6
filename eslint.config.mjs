// Lint is here for one job above all: keeping the package graph pointing the way DESIGN.md says.
// Each project carries a `scope:*` tag (see its project.json); a package may import only the scopes
// listed for it below, and only through the other package's public entry (no deep imports).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import nx from '@nx/eslint-plugin';
import tsParser from '@typescript-eslint/parser';

const root = import.meta.dirname;

/**
 * The deliberate subpaths packages export (`@tsostree/solver/libsolv`…), read from their
 * package.json `exports`. Any other `@tsostree/<pkg>/<path>` import is a deep import and fails.
 */
function publicSubpaths() {
  const subpaths = [];
  for (const dir of ['libs', 'apps']) {
    for (const name of readdirSync(join(root, dir))) {
      const file = join(root, dir, name, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      for (const key of Object.keys(pkg.exports ?? {})) {
        if (key !== '.') subpaths.push(`${pkg.name}${key.slice(1)}`);
      }
    }
  }
  return subpaths;
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const deepImport = `^(?!(?:${publicSubpaths().map(escapeRe).join('|')})$)@tsostree/[^/]+/.+`;

export const depConstraints = [
  { sourceTag: 'scope:errors', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:objstore', onlyDependOnLibsWithTags: ['scope:errors'] },
  { sourceTag: 'scope:rpmdb', onlyDependOnLibsWithTags: ['scope:errors'] },
  { sourceTag: 'scope:solver', onlyDependOnLibsWithTags: ['scope:errors', 'scope:rpmdb'] },
  { sourceTag: 'scope:etc-merge', onlyDependOnLibsWithTags: ['scope:errors'] },
  { sourceTag: 'scope:bootloader', onlyDependOnLibsWithTags: ['scope:errors'] },
  {
    sourceTag: 'scope:sysroot',
    onlyDependOnLibsWithTags: ['scope:errors', 'scope:objstore', 'scope:bootloader', 'scope:etc-merge'],
  },
  {
    sourceTag: 'scope:compose',
    onlyDependOnLibsWithTags: ['scope:errors', 'scope:objstore', 'scope:rpmdb', 'scope:solver'],
  },
  {
    sourceTag: 'scope:cli',
    onlyDependOnLibsWithTags: [
      'scope:errors', 'scope:objstore', 'scope:rpmdb', 'scope:solver', 'scope:etc-merge',
      'scope:bootloader', 'scope:sysroot', 'scope:compose',
    ],
  },
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['*'] },
];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.reports/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tsParser, parserOptions: { ecmaVersion: 2022, sourceType: 'module' } },
    plugins: { '@nx': nx },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: deepImport,
              message: 'Deep import into another package: import from its public entry (src/index.ts) or a subpath it exports.',
            },
          ],
        },
      ],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          banTransitiveDependencies: false,
          checkDynamicDependenciesExceptions: [],
          depConstraints,
        },
      ],
    },
  },
];
