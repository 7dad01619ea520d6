import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

const GPGHOME = '/usr/libexec/installed-tests/libostree/gpghome';
let dir: string;
let n = 0;

// C locale: ostree prints dates with the locale's %c, tsostree always in the C locale's form.
const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
const status = (cmd: string, args: string[]): number => {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return 0;
  } catch (error) {
    return (error as { status?: number }).status ?? 1;
  }
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-remote-gpg-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two fresh repos (ours, theirs) for side-by-side runs. */
function pair(): [string, string] {
  const a = join(dir, `ours${n}`);
  const b = join(dir, `theirs${n++}`);
  sh('ostree', ['init', `--repo=${a}`, '--mode=archive']);
  sh('ostree', ['init', `--repo=${b}`, '--mode=archive']);
  return [a, b];
}

describe('remote add --gpg-import/--no-sign-verify/--sign-verify and remote gpg-import, side by side with real ostree', () => {
  it('writes the same config and prints the same import line as ostree', async () => {
    const [ours, theirs] = pair();
    const args = ['remote', 'add', '--set=branches=a;b;', '--no-sign-verify', `--gpg-import=${join(GPGHOME, 'trusted/pubring.gpg')}`, 'origin', 'http://127.0.0.1:1/repo'];
    const r = await runCli(['ostree', ...args, `--repo=${ours}`]);
    const real = sh('ostree', [`--repo=${theirs}`, ...args]);
    expect(r).toEqual({ status: 0, stdout: real, stderr: '' });
    expect(readFileSync(join(ours, 'config'), 'utf8')).toBe(readFileSync(join(theirs, 'config'), 'utf8'));
    for (const args2 of [['remote', 'gpg-import', 'origin', '-k', join(GPGHOME, 'key1.asc')], ['remote', 'gpg-import', 'origin', '-k', join(GPGHOME, 'key2.asc'), '-k', join(GPGHOME, 'key3.asc')]]) {
      const o = await runCli(['ostree', ...args2, `--repo=${ours}`]);
      expect(o.stdout).toBe(sh('ostree', [`--repo=${theirs}`, ...args2]));
    }
    const missing = await runCli(['ostree', 'remote', 'gpg-import', 'nosuch', '-k', join(GPGHOME, 'key1.asc'), `--repo=${ours}`]);
    expect(missing.stderr).toBe('error: GPG: Remote "nosuch" not found\n');
    const unknown = await runCli(['ostree', 'remote', 'gpg-import', 'origin', '0000000000000000', '-k', join(GPGHOME, 'key1.asc'), `--repo=${ours}`]);
    expect(unknown.stderr).toBe('error: GPG: Unable to find key "0000000000000000"\n');
  });

  it('a keyring written by tsostree is the trusted keyring of real ostree pull --gpg-verify', async () => {
    const src = join(dir, `src${n++}`);
    mkdirSync(join(src, 'tree'), { recursive: true });
    writeFileSync(join(src, 'tree/f'), 'x\n');
    sh('ostree', ['init', `--repo=${src}/repo`, '--mode=archive']);
    sh('ostree', [`--repo=${src}/repo`, 'commit', '-b', 'main', '-s', 's', join(src, 'tree')]);
    const home = join(dir, `home${n++}`);
    execFileSync('cp', ['-a', GPGHOME, home]);
    sh('ostree', [`--repo=${src}/repo`, 'gpg-sign', `--gpg-homedir=${home}`, 'main', 'D8228CFECA950D41']);
    execFileSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
    const [client] = pair();
    expect((await runCli(['ostree', 'remote', 'add', `--repo=${client}`, 'origin', `file://${src}/repo`])).status).toBe(0);
    const pull = [`--repo=${client}`, 'pull-local', '--remote=origin', '--gpg-verify', `${src}/repo`, 'main'];
    expect((await runCli(['ostree', 'remote', 'gpg-import', `--repo=${client}`, 'origin', '-k', join(GPGHOME, 'key1.asc')])).stdout).toBe('Imported 1 GPG key to remote "origin"\n');
    expect(status('ostree', pull)).not.toBe(0);
    expect((await runCli(['ostree', 'remote', 'gpg-import', `--repo=${client}`, 'origin', '-k', join(GPGHOME, 'trusted/pubring.gpg'), 'D8228CFECA950D41'])).stdout).toBe(
      'Imported 1 GPG key to remote "origin"\n',
    );
    expect(status('ostree', pull)).toBe(0);
    expect(sh('ostree', [`--repo=${client}`, 'remote', 'gpg-list-keys', 'origin'])).toContain('Ostree Tester II');
  });

  it('--sign-verify=ed25519=inline:KEY / file:PATH set the verification options (ostree add_verify_opt)', async () => {
    const [ours] = pair();
    const key = '45yzbkuEok0lLabxzdAHWUDSMZgYfxU40sN+LMfYHVA=';
    expect((await runCli(['ostree', 'remote', 'add', `--repo=${ours}`, '--no-gpg-verify', `--sign-verify=ed25519=inline:${key}`, 'up', 'file:///x'])).status).toBe(0);
    expect((await runCli(['ostree', 'remote', 'add', `--repo=${ours}`, '--sign-verify=ed25519=file:/etc/k', 'up2', 'file:///y'])).status).toBe(0);
    const config = readFileSync(join(ours, 'config'), 'utf8');
    expect(config).toContain(`[remote "up"]\nurl=file:///x\ngpg-verify=false\nverification-ed25519-key=${key}\nsign-verify=ed25519\n`);
    expect(config).toContain('[remote "up2"]\nurl=file:///y\nverification-ed25519-file=/etc/k\nsign-verify=ed25519\n');
    expect((await runCli(['ostree', 'remote', 'add', `--repo=${ours}`, '--sign-verify=spki=inline:x', 'u3', 'file:///z'])).stderr).toContain('not implemented');
    expect((await runCli(['ostree', 'remote', 'add', `--repo=${ours}`, '--sign-verify=ed25519=disk:x', 'u3', 'file:///z'])).stderr).toBe('error: Invalid key reference disk, expected inline|file\n');
    expect((await runCli(['ostree', 'remote', 'add', `--repo=${ours}`, '--sign-verify=ed25519', 'u3', 'file:///z'])).stderr).toContain('Failed to parse KEYTYPE');
  });
});

describe('remote gpg-list-keys, side by side with real ostree', () => {
  it('lists a remote keyring and the global keys (OSTREE_GPG_HOME) exactly like ostree', async () => {
    const [ours, theirs] = pair();
    for (const r of [ours, theirs]) {
      sh('ostree', [`--repo=${r}`, 'remote', 'add', 'R1', 'http://127.0.0.1:1/repo']);
    }
    const list = async (args: string[], env: Record<string, string> = {}): Promise<string> => {
      const real = execFileSync('ostree', [`--repo=${theirs}`, 'remote', 'gpg-list-keys', ...args], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', ...env } });
      const r = await runCli(['ostree', 'remote', 'gpg-list-keys', `--repo=${ours}`, ...args], env);
      expect(r).toEqual({ status: 0, stdout: real, stderr: '' });
      return real;
    };
    expect(await list(['R1'])).toBe('');
    for (const r of [ours, theirs]) sh('ostree', [`--repo=${r}`, 'remote', 'gpg-import', 'R1', '-k', join(GPGHOME, 'key1.asc')]);
    expect(await list(['R1'])).toContain('Advanced update URL: https://openpgpkey.test.com/.well-known/openpgpkey/test.com/hu/iffe93qcsgp4c8ncbb378rxjo6cn9q6u?l=test\n');
    for (const r of [ours, theirs]) sh('ostree', [`--repo=${r}`, 'remote', 'gpg-import', 'R1', '-k', join(GPGHOME, 'trusted/pubring.gpg')]);
    await list(['R1']);
    const empty = join(dir, `empty${n++}`);
    mkdirSync(empty);
    expect(await list([], { OSTREE_GPG_HOME: empty })).toBe('');
    expect(await list([], { OSTREE_GPG_HOME: join(GPGHOME, 'trusted') })).toContain('Key: 7D29CF060B8269CDF63BFBDD0D15FAE7DF444D67');
    const missing = await runCli(['ostree', 'remote', 'gpg-list-keys', `--repo=${ours}`, 'nosuch']);
    expect(missing.stderr).toBe('error: Remote "nosuch" not found\n');
  });
});
