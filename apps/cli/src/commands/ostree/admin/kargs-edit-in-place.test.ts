// Differential: the same sysroot copied twice; real `ostree admin kargs edit-in-place` on one,
// ours on the other; the entries must be byte-identical.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test/run-cli.js';

const run = promisify(execFile);
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tsostree-cli-kargs-'));
  const root = join(work, 'a');
  const tree = join(work, 'tree');
  await mkdir(join(tree, 'usr/lib/modules/6.1.0'), { recursive: true });
  await mkdir(join(tree, 'usr/etc'), { recursive: true });
  await writeFile(join(tree, 'usr/lib/modules/6.1.0/vmlinuz'), 'k');
  await writeFile(join(tree, 'usr/lib/modules/6.1.0/initramfs.img'), 'i');
  await writeFile(join(tree, 'usr/lib/os-release'), 'PRETTY_NAME="CLI OS"\n');
  await mkdir(root);
  await run('ostree', ['admin', 'init-fs', root]);
  await run('ostree', ['admin', 'os-init', `--sysroot=${root}`, 'os']);
  await run('ostree', ['commit', `--repo=${root}/ostree/repo`, '-b', 'os/x', `--tree=dir=${tree}`, '-s', 't']);
  await run('ostree', ['admin', 'deploy', `--sysroot=${root}`, '--os=os', '--karg=root=/dev/sda1', '--karg=quiet', 'os/x']);
  await run('ostree', ['admin', 'deploy', `--sysroot=${root}`, '--os=os', '--karg-append=console=ttyS0', 'os/x']);
  await run('cp', ['-a', root, join(work, 'b')]);
});
afterAll(async () => {
  await run('chattr', ['-R', '-i', work]).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

async function entries(root: string): Promise<Record<string, string>> {
  const dir = join(root, 'boot/loader/entries');
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = await readFile(join(dir, name), 'utf8');
  return out;
}

describe('ostree admin kargs edit-in-place', () => {
  it('edits every entry exactly like ostree', async () => {
    const args = ['--append-if-missing=quiet', '--append-if-missing=rd.luks=0', '--append-if-missing=console=tty0'];
    await run('ostree', ['admin', 'kargs', 'edit-in-place', `--sysroot=${join(work, 'a')}`, ...args]);
    const result = await runCli(['ostree', 'admin', 'kargs', 'edit-in-place', `--sysroot=${join(work, 'b')}`, ...args]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const real = await entries(join(work, 'a'));
    expect(Object.keys(real)).toHaveLength(2);
    expect(Object.values(real).every((e) => e.includes(' rd.luks=0'))).toBe(true);
    expect(await entries(join(work, 'b'))).toEqual(real);
  });

  it('reports a malformed entry as a parse error', async () => {
    const bad = join(work, 'bad');
    await mkdir(join(bad, 'boot/loader.0/entries'), { recursive: true });
    await mkdir(join(bad, 'ostree/repo'), { recursive: true });
    await run('ln', ['-s', 'loader.0', join(bad, 'boot/loader')]);
    await writeFile(join(bad, 'boot/loader.0/entries/ostree-1-os.conf'), 'title x\n');
    const result = await runCli(['ostree', 'admin', 'kargs', 'edit-in-place', `--sysroot=${bad}`, '--append-if-missing=a']);
    expect(result.status).toBe(4);
    expect(result.stderr).toMatch(/^error: parsing ostree-1-os.conf: BLS entry: missing required key "linux"/);
  });
});
