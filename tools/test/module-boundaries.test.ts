// Proves that lint enforces DESIGN.md's package graph: imports against the dependency direction,
// deep imports into another package and relative imports across packages all fail.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const workspaceRoot = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: workspaceRoot });

beforeAll(() => {
  // The Nx rule reads the cached project graph; make sure it exists (as it does under `nx run`).
  execFileSync(join(workspaceRoot, 'node_modules', '.bin', 'nx'), ['show', 'projects'], {
    cwd: workspaceRoot,
    env: { ...process.env, NX_DAEMON: 'false' },
    stdio: 'ignore',
  });
});

async function lint(fileInProject: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(workspaceRoot, fileInProject) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('module boundaries', () => {
  it('allows an import along the dependency direction through the public entry', async () => {
    expect(await lint('libs/sysroot/src/probe.ts', "import { looseObjectPath } from '@tsostree/objstore';\n")).toEqual([]);
    expect(await lint('apps/cli/src/probe.ts', "import { parseDeploymentName } from '@tsostree/sysroot';\n")).toEqual([]);
  });

  it.each([
    ['libs/objstore/src/probe.ts', '@tsostree/sysroot', 'scope:objstore'],
    ['libs/etc-merge/src/probe.ts', '@tsostree/bootloader', 'scope:etc-merge'],
    ['libs/rpmdb/src/probe.ts', '@tsostree/compose', 'scope:rpmdb'],
    ['libs/sysroot/src/probe.ts', '@tsostree/compose', 'scope:sysroot'],
    ['libs/compose/src/probe.ts', '@tsostree/sysroot', 'scope:compose'],
    ['libs/bootloader/src/probe.ts', '@tsostree/cli', 'scope:bootloader'],
  ])('fails lint when %s imports %s', async (file, target, tag) => {
    const messages = await lint(file, `import * as x from '${target}';\nexport { x };\n`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('@nx/enforce-module-boundaries');
    // Either the tag rule fires, or (when the target already depends on the source) the cycle rule does.
    expect(messages[0]).toMatch(new RegExp(`${tag}|Circular dependency`));
  });

  it('fails lint for a deep import into another package', async () => {
    const messages = await lint(
      'libs/sysroot/src/probe.ts',
      "import { looseObjectPath } from '@tsostree/objstore/src/format/object-path.js';\nexport { looseObjectPath };\n",
    );
    expect(messages.join('\n')).toMatch(/no-restricted-imports: .*Deep import into another package/);
  });

  it('allows the subpaths a package exports', async () => {
    expect(await lint('libs/sysroot/src/probe.ts', "import pkg from '@tsostree/objstore/package.json';\nexport { pkg };\n")).toEqual([]);
  });

  it('fails lint for a relative import that reaches into another package', async () => {
    const messages = await lint(
      'libs/sysroot/src/probe.ts',
      "import { looseObjectPath } from '../../objstore/src/index.js';\nexport { looseObjectPath };\n",
    );
    expect(messages.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
  });
});
