// The README demo end to end, in-process, in a temp directory.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../context.js';
import { DEMO_MARKER, runDemo, shellQuote } from './run-demo.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tsostree-demo-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function demo(dir: string): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: {}, cwd: work, isTTY: false };
  const status = await runDemo({ dir, ctx });
  return { status, stdout, stderr };
}

describe('the README demo', () => {
  it('builds the repository from the sample OS and shows each command', async () => {
    const result = await demo('demo');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("$ tsostree ostree commit --repo=demo/repo --branch=demo/x86_64/stable --subject='Demo OS 1'");
    expect(result.stdout).toMatch(/\nVersion: 2\n[\s\S]*\nVersion: 1\n/);
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
