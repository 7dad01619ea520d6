import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRemote, listRemotes } from '@tsostree/objstore';
import { Sysroot } from '@tsostree/sysroot';
import { runCli } from '../../../test/run-cli.js';

// ostree's remotes.d rules, side by side with real ostree 2022.7 on two copies of one sysroot:
// through a deployment root (what `/` is on a booted machine) remotes live in
// <root>/etc/ostree/remotes.d/NAME.conf; through the physical root they live in the repo config.

const ENV = { ...process.env, OSTREE_SYSROOT_DEBUG: 'mutable-deployments', LC_ALL: 'C' };
let dir: string;
let theirs: string;
let ours: string;
let deployName: string;

function ostree(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('ostree', args, { encoding: 'utf8', env: ENV });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const dep = (root: string): string => join(root, 'ostree/deploy/os/deploy', deployName);
const remotesD = (root: string): string => join(dep(root), 'etc/ostree/remotes.d');

/** Both sides' CLI results, with each sysroot's own path replaced by SYSROOT so messages compare. */
async function both(args: (root: string) => string[]): Promise<{ ours: unknown; theirs: unknown }> {
  const norm = (r: { status: number; stdout: string; stderr: string }, root: string): unknown => ({
    status: r.status === 0 ? 0 : 'failed',
    stdout: r.stdout.replaceAll(root, 'SYSROOT'),
    stderr: r.stderr.replaceAll(root, 'SYSROOT').replace(/^error: /, ''),
  });
  const t = norm(ostree(args(theirs)), theirs);
  const o = await runCli(['ostree', ...args(ours)]);
  return { ours: norm({ ...o, stderr: o.stderr.replace(/^tsostree: /, '') }, ours), theirs: t };
}

/** Every file under a directory with its bytes (symlinks as their target). */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out[relative(root, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

function gioRemotes(root: string): string[] {
  const script = `import sys, json, gi
gi.require_version('OSTree', '1.0')
from gi.repository import OSTree, Gio
s = OSTree.Sysroot.new(Gio.File.new_for_path(sys.argv[1]))
s.load(None)
ok, repo = s.get_repo(None)
names = repo.remote_list() or []
print(json.dumps([[n, repo.remote_get_url(n)[1]] for n in names]))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, root], { encoding: 'utf8', env: ENV }));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'remotes-d-'));
  theirs = join(dir, 'theirs');
  ours = join(dir, 'ours');
  mkdirSync(theirs);
  const run = (args: string[]): void => void execFileSync('ostree', args, { env: ENV, stdio: 'ignore' });
  run(['admin', 'init-fs', theirs]);
  run(['admin', `--sysroot=${theirs}`, 'os-init', 'os']);
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'usr/lib/modules/5.0'), { recursive: true });
  mkdirSync(join(tree, 'usr/etc'), { recursive: true });
  writeFileSync(join(tree, 'usr/lib/modules/5.0/vmlinuz'), 'kernel');
  writeFileSync(join(tree, 'usr/lib/modules/5.0/initramfs.img'), 'initramfs');
  writeFileSync(join(tree, 'usr/lib/os-release'), 'ID=test\n');
  run(['commit', `--repo=${theirs}/ostree/repo`, '-b', 'os/main', '--timestamp=@1577836800', `--tree=dir=${tree}`]);
  run(['admin', `--sysroot=${theirs}`, 'deploy', '--os=os', 'os/main']);
  deployName = readdirSync(join(theirs, 'ostree/deploy/os/deploy')).find((n) => n.endsWith('.0'))!;
  // As ostree's own admin-test does in lieu of the bind mounts of a booted system: the deployment
  // gets `sysroot` and `ostree` entries, which make it a non-physical sysroot.
  symlinkSync(relative(dep(theirs), theirs), join(dep(theirs), 'sysroot'));
  symlinkSync('sysroot/ostree', join(dep(theirs), 'ostree'));
  cpSync(theirs, ours, { recursive: true, verbatimSymlinks: true });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('remotes.d: where remotes live, as real ostree decides', () => {
  it('remote add through a deployment root writes etc/ostree/remotes.d/NAME.conf, through the physical root the config', async () => {
    const add1 = await both((r) => ['remote', 'add', `--sysroot=${dep(r)}`, '--set=gpg-verify=false', '--set=foo=bar baz', 'r1', 'http://example.com/one/', 'main', 'other']);
    expect(add1.ours).toEqual(add1.theirs);
    const add2 = await both((r) => ['remote', 'add', `--sysroot=${r}`, '--no-gpg-verify', 'r2', 'http://example.com/two/']);
    expect(add2.ours).toEqual(add2.theirs);
    expect(existsSync(join(remotesD(ours), 'r1.conf'))).toBe(true);
    expect(snapshot(ours)).toEqual(snapshot(theirs));
  });

  it('adding an existing remote fails naming where it is defined; --if-not-exists and --force as ostree', async () => {
    for (const args of [
      (r: string) => ['remote', 'add', `--sysroot=${dep(r)}`, 'r1', 'http://elsewhere/'],
      (r: string) => ['remote', 'add', `--sysroot=${dep(r)}`, 'r2', 'http://elsewhere/'],
      (r: string) => ['remote', 'add', `--sysroot=${dep(r)}`, '--if-not-exists', 'r1', 'http://elsewhere/'],
      (r: string) => ['remote', 'add', `--sysroot=${dep(r)}`, '--force', '--set=x=1', 'r1', 'http://replaced/'],
      (r: string) => ['remote', 'add', `--sysroot=${r}`, '--force', 'r2', 'http://replaced-too/'],
      (r: string) => ['remote', 'add', `--sysroot=${dep(r)}`, '--force', 'r9', 'http://new-by-force/'],
    ]) {
      const b = await both(args);
      expect({ args: args('SYSROOT'), ...b.ours as object }).toEqual({ args: args('SYSROOT'), ...b.theirs as object });
    }
    expect(snapshot(ours)).toEqual(snapshot(theirs));
  });

  it('reads every regular *.conf file, as libostree lists them', async () => {
    for (const root of [theirs, ours]) {
      writeFileSync(join(remotesD(root), 'multi.conf'), '[remote "r3"]\nurl=http://three/\n\n[remote "r4"]\nurl=http://four/\n');
      mkdirSync(join(remotesD(root), 'dir.conf'));
      writeFileSync(join(remotesD(root), 'notes.txt'), '[remote "ignored"]\nurl=http://no/\n');
    }
    const repo = await (await Sysroot.open(dep(ours))).repo();
    const mine = listRemotes(repo).map((n) => [n, getRemote(repo, n).url]);
    expect(mine).toEqual(gioRemotes(dep(theirs)));
    expect(mine.map(([n]) => n)).toEqual(['r1', 'r2', 'r3', 'r4', 'r9']);
    // The physical root does not read the deployment's /etc.
    expect(listRemotes(await (await Sysroot.open(ours)).repo())).toEqual(gioRemotes(theirs).map(([n]) => n));
  });

  it('remote delete removes the whole file that defines it, and the remote keyring', async () => {
    for (const root of [theirs, ours]) writeFileSync(join(root, 'ostree/repo/r2.trustedkeys.gpg'), 'keys');
    for (const name of ['r3', 'r2', 'r1', 'nope']) {
      const b = await both((r) => ['remote', 'delete', `--sysroot=${dep(r)}`, name]);
      expect({ name, ...b.ours as object }).toEqual({ name, ...b.theirs as object });
    }
    expect(snapshot(ours)).toEqual(snapshot(theirs));
    expect(existsSync(join(remotesD(ours), 'multi.conf'))).toBe(false);
    expect(existsSync(join(ours, 'ostree/repo/r2.trustedkeys.gpg'))).toBe(false);
  });

  it('core.add-remotes-config-dir=false keeps new remotes in the config', async () => {
    for (const root of [theirs, ours]) execFileSync('ostree', [`--repo=${root}/ostree/repo`, 'config', 'set', 'core.add-remotes-config-dir', 'false'], { env: ENV });
    const b = await both((r) => ['remote', 'add', `--sysroot=${dep(r)}`, 'r5', 'http://five/']);
    expect(b.ours).toEqual(b.theirs);
    expect(snapshot(ours)).toEqual(snapshot(theirs));
    expect(readFileSync(join(ours, 'ostree/repo/config'), 'utf8')).toContain('[remote "r5"]');
  });

  it('a remote defined twice (config and remotes.d) makes opening fail, as in ostree', async () => {
    for (const root of [theirs, ours]) writeFileSync(join(remotesD(root), 'dup.conf'), '[remote "r5"]\nurl=http://dup/\n');
    const b = await both((r) => ['remote', 'add', `--sysroot=${dep(r)}`, 'r6', 'http://six/']);
    expect((b.theirs as { stderr: string }).stderr).toContain('Multiple specifications found for remote "r5"');
    expect((b.ours as { stderr: string }).stderr).toContain('Multiple specifications found for remote "r5"');
    expect((b.ours as { status: unknown }).status).toBe('failed');
    expect(snapshot(ours)).toEqual(snapshot(theirs));
  });

  it('a malformed remotes.d file is an error naming it, and nothing is written', async () => {
    rmSync(join(remotesD(ours), 'dup.conf'));
    writeFileSync(join(remotesD(ours), 'bad.conf'), 'this is not a keyfile\n');
    const before = snapshot(ours);
    const r = await runCli(['ostree', 'remote', 'add', `--sysroot=${dep(ours)}`, 'r7', 'http://seven/']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(join(remotesD(ours), 'bad.conf'));
    expect(snapshot(ours)).toEqual(before);
  });
});
