import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, mkdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

function ostree(args: string[]): { status: number; stdout: string; stderr: string } {
  try {
    return { status: 0, stdout: execFileSync('ostree', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), stderr: '' };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { status: e.status ?? 1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? '') };
  }
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '').sort();

let dir: string;
let ours: string;
let theirs: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-refs-alias-'));
  const tree = join(dir, 'tree');
  await mkdir(tree);
  await writeFile(join(tree, 'a'), 'a');
  theirs = join(dir, 'theirs');
  ours = join(dir, 'ours');
  ostree(['init', `--repo=${theirs}`, '--mode=archive']);
  for (const b of ['os/x86_64/main', 'os/x86_64/devel', 'other']) {
    ostree(['commit', `--repo=${theirs}`, '-b', b, '--timestamp=@1577836800', '-s', b, tree]);
  }
  // A remote ref, as a pull would leave it.
  await mkdir(join(theirs, 'refs/remotes/origin/os'), { recursive: true });
  await cp(join(theirs, 'refs/heads/os/x86_64/main'), join(theirs, 'refs/remotes/origin/os/main'));
  await cp(theirs, ours, { recursive: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the same `refs` arguments with tsostree on ours and real ostree on theirs. */
async function both(args: string[]): Promise<{ o: { status: number; stdout: string; stderr: string }; t: ReturnType<typeof ostree> }> {
  const o = await runCli(['ostree', 'refs', `--repo=${ours}`, ...args]);
  const t = ostree(['refs', `--repo=${theirs}`, ...args]);
  return { o, t };
}

describe('ostree refs aliases and prefixes vs real ostree', () => {
  it('creates aliases as the same relative symlinks, lists and resolves them, and real ostree reads ours', async () => {
    for (const [alias, target] of [
      ['os/stable', 'os/x86_64/main'],
      ['top', 'os/stable'],
      ['a/b/c', 'os/x86_64/devel'],
    ] as const) {
      const { o, t } = await both([`--create=${alias}`, '--alias', target]);
      expect(o).toMatchObject({ status: 0, stderr: '' });
      expect(t.status).toBe(0);
      expect(await readlink(join(ours, 'refs/heads', alias))).toBe(await readlink(join(theirs, 'refs/heads', alias)));
    }
    // ostree prints in hash-table order; we sort. Compare as sets.
    const list = await both(['--alias']);
    expect(lines(list.o.stdout)).toEqual(lines(list.t.stdout));
    expect(list.o.stdout).toBe('a/b/c -> os/x86_64/devel\nos/stable -> os/x86_64/main\ntop -> os/stable\n');
    expect(lines(ostree(['refs', `--repo=${ours}`, '--alias']).stdout)).toEqual(lines(list.t.stdout));
    const prefixed = await both(['--alias', 'os']);
    expect(lines(prefixed.o.stdout)).toEqual(lines(prefixed.t.stdout));
    // Plain listings include aliases.
    const plain = await both([]);
    expect(lines(plain.o.stdout)).toEqual(lines(plain.t.stdout));
    const rp = await runCli(['ostree', 'rev-parse', `--repo=${ours}`, 'top']);
    expect(rp.stdout).toBe(ostree(['rev-parse', `--repo=${theirs}`, 'os/x86_64/main']).stdout);
  });

  it('refuses aliases to missing refs and deleting a ref that has an alias, with ostree’s messages', async () => {
    for (const args of [
      ['--create=x', '--alias', 'nonexistent'],
      ['--create=self', '--alias', 'self'],
      ['--delete', 'os/x86_64/main'],
    ]) {
      const { o, t } = await both(args);
      expect(o.status, args.join(' ')).not.toBe(0);
      expect(t.status, args.join(' ')).not.toBe(0);
      expect(o.stderr, args.join(' ')).toBe(t.stderr);
    }
    expect((await runCli(['ostree', 'rev-parse', `--repo=${ours}`, 'os/x86_64/main'])).status).toBe(0);
  });

  it('lists a PREFIX like ostree: a ref in full, a directory relative to it, remote prefixes keep the remote', async () => {
    for (const args of [['os'], ['os/x86_64'], ['os/x86_64/main'], ['nonexistent'], ['--list', 'os'], ['origin:'], ['origin:os'], ['o']]) {
      const { o, t } = await both(args);
      expect(o.status, args.join(' ')).toBe(t.status);
      expect(lines(o.stdout), args.join(' ')).toEqual(lines(t.stdout));
    }
  });

  it('deleting an alias removes only the link', async () => {
    const { o, t } = await both(['--delete', 'a/b/c']);
    expect(o.status).toBe(0);
    expect(t.status).toBe(0);
    const plain = await both([]);
    expect(lines(plain.o.stdout)).toEqual(lines(plain.t.stdout));
    expect(lines(plain.o.stdout)).toContain('os/x86_64/devel');
  });
});
