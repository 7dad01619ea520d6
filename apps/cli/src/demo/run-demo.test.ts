// The README demo end to end, in-process, in a temp directory.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTree } from '../../test/sysroot-fixture.js';
import type { CliContext } from '../context.js';
import { DEMO_MARKER, runDemo, shellQuote } from './run-demo.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tsostree-demo-'));
});
afterAll(async () => {
  await removeTree(work);
});

async function demo(dir: string): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: {}, cwd: work, isTTY: false };
  const status = await runDemo({ dir, ctx });
  return { status, stdout, stderr };
}

describe('the README demo', () => {
  it('deploys v1, merges /etc into v2, shows status, rolls back', async () => {
    const result = await demo('demo');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = result.stdout;
    expect(out).toContain("$ tsostree ostree commit --repo=demo/sysroot/ostree/repo --branch=demo/x86_64/stable --subject='Demo OS 1'");
    expect(out).toMatch(/\$ tsostree ostree admin deploy --sysroot=demo\/sysroot --os=demo --karg=root=LABEL=demo-root --karg=quiet demo\/x86_64\/stable\n(.*\n)?Bootloader updated; bootconfig swap: yes; bootversion: boot\.1\.1, deployment count change: 1\n/);
    expect(out).toContain('M    demo.conf\nD    hostname\nA    local.conf\n');
    expect(out).toContain('Copying /etc changes: 1 modified, 1 removed, 1 added\n');
    expect(out).toContain('log_level=debug\nWelcome to tsostree demo OS 2.\n');
    // status before the rollback: v2 first (pending), v1 booted; after: v1 first and booted
    const statuses = out.split('$ tsostree status --sysroot=demo/sysroot\n').slice(1).map((s) => s.slice(0, s.indexOf('\n\n#')));
    expect(statuses).toHaveLength(2);
    expect(statuses[0]).toMatch(/^State: idle\nDeployments:\n {2}demo\/x86_64\/stable\n {19}Version: 2 [\s\S]*\n● demo\/x86_64\/stable\n {19}Version: 1 /);
    expect(statuses[1]).toMatch(/^State: idle\nDeployments:\n● demo\/x86_64\/stable\n {19}Version: 1 [\s\S]*\n {2}demo\/x86_64\/stable\n {19}Version: 2 /);
    expect(out).toMatch(/\$ tsostree rollback --sysroot=demo\/sysroot\nMoving '[0-9a-f]{64}\.0' to be first deployment\n/);
    expect(await readFile(join(work, 'demo', DEMO_MARKER), 'utf8')).toContain('npm run demo');
  });

  it('runs again over its own previous directory', async () => {
    expect((await demo(join(work, 'demo'))).status).toBe(0);
  });

  it('refuses to delete a directory it did not make', async () => {
    const foreign = join(work, 'precious');
    await mkdir(foreign);
    await writeFile(join(foreign, 'keep.txt'), 'mine');
    await expect(demo(foreign)).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect(await readFile(join(foreign, 'keep.txt'), 'utf8')).toBe('mine');
  });
});

describe('shellQuote', () => {
  it('quotes what a shell would split or expand', () => {
    expect(shellQuote('--repo=demo/repo')).toBe('--repo=demo/repo');
    expect(shellQuote('--subject=Demo OS 1')).toBe("--subject='Demo OS 1'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('$HOME')).toBe("'$HOME'");
  });
});
