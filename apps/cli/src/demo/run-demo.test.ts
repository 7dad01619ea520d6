// The README demo end to end, in-process, in a temp directory.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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
  it('composes v1 from tools/demo-rpms, deploys it, upgrades to v2 (demo-hello 1.0 → 2.0), merges /etc, rolls back', async () => {
    const result = await demo('demo');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = result.stdout;
    // both versions composed from the committed sample repositories, through a file:// baseurl
    expect(out).toContain('baseurl=file://');
    expect(out).toContain('/tools/demo-rpms/repo-v1\n');
    const composes = out.split('$ tsostree compose tree --repo=demo/repo demo/compose/demo-os.yaml\n').slice(1);
    expect(composes).toHaveLength(2);
    expect(composes[0]).toMatch(/^Treefile: .*\nResolving dependencies\.\.\. done \(5 packages\)\n[\s\S]*Installing: 5\/5 demo-hello-1\.0-1\.demo\.noarch\n[\s\S]*\nVersion: 1\nWrote commit: [0-9a-f]{64}\n/);
    expect(composes[1]).toMatch(/Installing: 5\/5 demo-hello-2\.0-1\.demo\.noarch\n[\s\S]*\nVersion: 1\.1\nWrote commit: [0-9a-f]{64}\n/);
    const [v1, v2] = composes.map((c) => /Wrote commit: ([0-9a-f]{64})/.exec(c)![1]!);
    expect(out).toContain('$ sed -i s/repo-v1/repo-v2/ demo/compose/demo.repo\n');
    expect(out).toContain(`$ tsostree ostree remote add --repo=demo/sysroot/ostree/repo --no-gpg-verify demo ${pathToFileURL(join(work, 'demo/repo')).href}\n`);
    expect(out).toContain(`$ tsostree ostree admin deploy --sysroot=demo/sysroot --os=demo --karg=root=LABEL=demo-root demo:demo/x86_64/stable\n`);
    // the local /etc edits, then the upgrade's package diff: exactly demo-hello
    expect(out).toContain('$ tsostree ostree admin config-diff --sysroot=demo/sysroot\nM    demo.conf\nA    local.conf\n');
    const diff = out.split('$ tsostree db diff --sysroot=demo/sysroot\n')[1]!.split('\n\n#')[0]!;
    expect(diff).toBe(
      `ostree diff commit from: booted deployment (${v1})\nostree diff commit to:   pending deployment (${v2})\nUpgraded:\n  demo-hello 1.0-1.demo -> 2.0-1.demo`,
    );
    // the reboot finalizes the staged deployment: the /etc merge keeps the edits, /usr has demo-hello 2.0
    expect(out).toContain('Copying /etc changes: 1 modified, 0 removed, 1 added\n');
    expect(out).toContain('# demo configuration\ngreeting = hello\ngreeting = hi from this machine\nPermitRootLogin no\ndemo-hello 2.0\n');
    // status after the upgrade: v2 pending first, v1 booted; after the rollback: v1 first, v2 booted
    const statuses = out.split('$ tsostree status --sysroot=demo/sysroot\n').slice(1).map((t) => t.slice(0, t.indexOf('\n$ ') >= 0 ? t.indexOf('\n$ ') : t.indexOf('\n\n#')));
    expect(statuses).toHaveLength(2);
    const entry = (booted: boolean, version: string, commit: string) =>
      `${booted ? '●' : ' '} demo:demo/x86_64/stable\n {19}Version: ${version.replace('.', '\\.')} \\([^)]*\\)\n {20}Commit: ${commit}`;
    expect(statuses[0]).toMatch(new RegExp(`^State: idle\nDeployments:\n${entry(false, '1.1', v2)}\n\n${entry(true, '1', v1)}$`));
    expect(out).toContain(`$ tsostree rollback --sysroot=demo/sysroot\nMoving '${v1}.0' to be first deployment\n`);
    expect(statuses[1]).toMatch(new RegExp(`^State: idle\nDeployments:\n${entry(false, '1', v1)}\n\n${entry(true, '1.1', v2)}$`));
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
