import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGVariantText, readDetachedMetadata, Repo, signaturesIn, verifySummarySignatures, type Remote } from '@tsostree/objstore';
import { runCli } from '../../../test/run-cli.js';

const GPGHOME = '/usr/libexec/installed-tests/libostree/gpghome';
const KEY1 = '7FCA23D8472CDAFA';
const KEY2 = 'D8228CFECA950D41';

let dir: string;
let home: string;
let n = 0;

function sh(cmd: string, args: string[]): string {
  try {
    // C locale: ostree prints dates with the locale's %c, tsostree always in the C locale's form.
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}
const status = (cmd: string, args: string[]): number => {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return 0;
  } catch (error) {
    return (error as { status?: number }).status ?? 1;
  }
};

/** A repo with one commit made by real ostree. */
function repoWithCommit(): { repo: string; commit: string } {
  const base = join(dir, `r${n++}`);
  mkdirSync(join(base, 'tree'), { recursive: true });
  writeFileSync(join(base, 'tree/f'), `f${n}\n`);
  const repo = join(base, 'repo');
  sh('ostree', ['init', `--repo=${repo}`, '--mode=archive']);
  const commit = sh('ostree', [`--repo=${repo}`, 'commit', '-b', 'main', '-s', 's', join(base, 'tree')]).trim();
  return { repo, commit };
}

/** An OpenSSL-made ed25519 key in ostree's forms. */
function edKey(): { pem: string; pub: string; secret: string } {
  const pem = join(dir, `k${n++}.pem`);
  sh('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', pem]);
  const pub = execFileSync('openssl', ['pkey', '-outform', 'DER', '-pubout', '-in', pem]).subarray(-32);
  const seed = execFileSync('openssl', ['pkey', '-outform', 'DER', '-in', pem]).subarray(-32);
  return { pem, pub: pub.toString('base64'), secret: Buffer.concat([seed, pub]).toString('base64') };
}

/** Real ostree pulls `src` into a new repo with gpg-verify on and the test public keyring. */
function realPullVerified(src: string): number {
  const dst = join(dir, `client${n++}`);
  sh('ostree', ['init', `--repo=${dst}`, '--mode=archive']);
  sh('ostree', [`--repo=${dst}`, 'remote', 'add', 'origin', `file://${src}`]);
  sh('ostree', [`--repo=${dst}`, 'remote', 'gpg-import', 'origin', '-k', join(GPGHOME, 'trusted/pubring.gpg')]);
  return status('ostree', [`--repo=${dst}`, 'pull-local', '--remote=origin', '--gpg-verify', src, 'main']);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-sign-'));
  home = join(dir, 'gpghome');
  cpSync(GPGHOME, home, { recursive: true });
  chmodSync(home, 0o700);
});

afterAll(() => {
  for (const h of [home, join(dir, 'modern')]) {
    try {
      execFileSync('gpgconf', ['--homedir', h, '--kill', 'all'], { stdio: 'ignore' });
    } catch {
      // no agent there
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('tsostree ostree sign (ed25519)', () => {
  it('signs like libsodium/OpenSSL and verifies from KEY args, --keys-file and --keys-dir', async () => {
    const { repo, commit } = repoWithCommit();
    const k = edKey();
    const signed = await runCli(['ostree', 'sign', `--repo=${repo}`, 'main', k.secret]);
    expect(signed).toEqual({ status: 0, stdout: '', stderr: '' });
    const commitFile = join(repo, 'objects', commit.slice(0, 2), `${commit.slice(2)}.commit`);
    const expected = execFileSync('openssl', ['pkeyutl', '-sign', '-rawin', '-inkey', k.pem, '-in', commitFile]);
    const sigs = signaturesIn(await readDetachedMetadata(await Repo.open(repo), commit), 'ostree.sign.ed25519');
    expect(sigs.map((s) => Buffer.from(s).toString('hex'))).toEqual([expected.toString('hex')]);
    expect(sh('ostree', [`--repo=${repo}`, 'show', commit, '--print-detached-metadata-key=ostree.sign.ed25519']).trim()).toBe(formatGVariantText('aay', sigs));

    const ok = await runCli(['ostree', 'sign', `--repo=${repo}`, '--verify', 'main', k.pub]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ed25519: Signature verified successfully with key '[0-9a-f]{64}'\n$/);

    const other = edKey();
    const wrong = await runCli(['ostree', 'sign', `--repo=${repo}`, '--verify', 'main', other.pub]);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/^error: .*ed25519: Signature couldn't be verified with: key '[0-9a-f]{64}'/);

    const keys = join(dir, `keys${n++}`);
    writeFileSync(keys, `${other.pub}\n${k.pub}\n`);
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, '--verify', `--keys-file=${keys}`, 'main'])).status).toBe(0);
    const base = join(dir, `keysdir${n++}`);
    mkdirSync(join(base, 'trusted.ed25519.d'), { recursive: true });
    writeFileSync(join(base, 'trusted.ed25519.d', 'k'), `${k.pub}\n`);
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, '--verify', `--keys-dir=${base}`, 'main'])).status).toBe(0);
    mkdirSync(join(base, 'revoked.ed25519.d'));
    writeFileSync(join(base, 'revoked.ed25519.d', 'k'), `${k.pub}\n`);
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, '--verify', `--keys-dir=${base}`, 'main'])).status).not.toBe(0);

    // signing keys from a file, then --delete removes exactly that key's signature
    const secretFile = join(dir, `secret${n++}`);
    writeFileSync(secretFile, `${other.secret}\n`);
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, `--keys-file=${secretFile}`, 'main'])).status).toBe(0);
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, '--verify', 'main', other.pub])).status).toBe(0);
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, '--delete', 'main', k.pub])).stdout).toBe('Signatures deleted: 1\n');
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, '--verify', 'main', k.pub])).status).not.toBe(0);
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, '--verify', 'main', other.pub])).status).toBe(0);
  });

  it('refuses bad keys, unsigned commits and unknown types with clear errors', async () => {
    const { repo } = repoWithCommit();
    const k = edKey();
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, 'main', k.pub])).stderr).toBe(`error: Invalid KEY '${k.pub}'\n`);
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, '--verify', 'main', k.secret])).stderr).toBe(`error: Invalid KEY '${k.secret}'\n`);
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, 'main'])).stderr).toBe('error: Need at least one KEY-ID to sign with\n');
    const unsigned = await runCli(['ostree', 'sign', `--repo=${repo}`, '--verify', 'main', k.pub]);
    expect(unsigned.stderr).toContain('ed25519: no signatures found');
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, '--sign-type=spki', 'main', k.secret])).stderr).toContain('not implemented');
    const empty = join(dir, `empty${n++}`);
    writeFileSync(empty, '');
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, '--verify', `--keys-file=${empty}`, 'main'])).stderr).toContain('no valid keys');
    expect((await runCli(['ostree', 'sign', `--repo=${repo}`, '--verify', `--keys-file=${dir}`, 'main'])).stderr).toContain('is not a regular file');
  });
});

describe('tsostree ostree gpg-sign', () => {
  it('signs with a key from --gpg-homedir (legacy secring.gpg) and real ostree verifies it', async () => {
    const { repo } = repoWithCommit();
    expect(realPullVerified(repo)).not.toBe(0);
    expect(await runCli(['ostree', 'gpg-sign', `--repo=${repo}`, `--gpg-homedir=${home}`, 'main', KEY1])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(realPullVerified(repo)).toBe(0);
    expect(sh('ostree', [`--repo=${repo}`, 'show', `--gpg-homedir=${join(home, 'trusted')}`, 'main'])).toContain('Good signature from "Ostree Tester <test@test.com>"');
    const again = await runCli(['ostree', 'gpg-sign', `--repo=${repo}`, `--gpg-homedir=${home}`, 'main', KEY1]);
    expect(again.stderr).toBe(`error: Commit is already signed with GPG key ${KEY1}\n`);
    const unknown = await runCli(['ostree', 'gpg-sign', `--repo=${repo}`, `--gpg-homedir=${home}`, 'main', '0000000000000000']);
    expect(unknown.stderr).toBe(`error: No gpg key found with ID 0000000000000000 (homedir: ${home})\n`);
    expect((await runCli(['ostree', 'gpg-sign', `--repo=${repo}`, '--delete', 'main', KEY1])).stdout).toBe('Signatures deleted: 1\n');
    expect(realPullVerified(repo)).not.toBe(0);
  });

  it('finds keys kept by a modern GnuPG (private-keys-v1.d) through gpg --export-secret-keys', async () => {
    const modern = join(dir, 'modern');
    mkdirSync(modern, { mode: 0o700 });
    const exported = execFileSync('gpg', ['--homedir', home, '--batch', '--quiet', '--export-secret-keys', KEY2]);
    execFileSync('gpg', ['--homedir', modern, '--batch', '--quiet', '--import'], { input: exported, stdio: ['pipe', 'ignore', 'ignore'] });
    const { repo } = repoWithCommit();
    expect((await runCli(['ostree', 'gpg-sign', `--repo=${repo}`, `--gpg-homedir=${modern}`, 'main', KEY2])).status).toBe(0);
    expect(realPullVerified(repo)).toBe(0);
  });
});

describe('tsostree ostree summary -u with signing', () => {
  it('--gpg-sign: real ostree verifies summary.sig; --sign: ed25519 signatures tsostree verifies', async () => {
    const { repo } = repoWithCommit();
    const k = edKey();
    const r = await runCli(['ostree', 'summary', `--repo=${repo}`, '-u', `--gpg-sign=${KEY1}`, `--gpg-homedir=${home}`, `--sign=${k.secret}`]);
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' });
    const client = join(dir, `client${n++}`);
    sh('ostree', ['init', `--repo=${client}`, '--mode=archive']);
    sh('ostree', [`--repo=${client}`, 'remote', 'add', '--set=gpg-verify-summary=true', 'origin', `file://${repo}`]);
    sh('ostree', [`--repo=${client}`, 'remote', 'gpg-import', 'origin', '-k', join(GPGHOME, 'trusted/pubring.gpg')]);
    expect(sh('ostree', [`--repo=${client}`, 'remote', 'summary', 'origin'])).toContain(`using RSA key ID ${KEY1}`);

    const remote: Remote = { name: 'x', url: 'file:///', branches: [], options: { 'gpg-verify': 'false', 'sign-verify-summary': 'ed25519', 'verification-ed25519-key': k.pub } };
    const summary = new Uint8Array(readFileSync(join(repo, 'summary')));
    const sig = new Uint8Array(readFileSync(join(repo, 'summary.sig')));
    await expect(verifySummarySignatures(await Repo.open(repo), remote, summary, sig)).resolves.toMatchObject({ required: true });

    // a bad key fails before the summary is touched
    const bad = await runCli(['ostree', 'summary', `--repo=${repo}`, '-u', '--sign=AAAA']);
    expect(bad.stderr).toContain('Incorrect ed25519 secret key');
    expect(readFileSync(join(repo, 'summary.sig')).equals(Buffer.from(sig))).toBe(true);
    // regenerating without signing drops the now stale summary.sig, like ostree
    expect((await runCli(['ostree', 'summary', `--repo=${repo}`, '-u'])).status).toBe(0);
    expect(status('ostree', [`--repo=${client}`, 'remote', 'summary', 'origin'])).not.toBe(0);
  });
});

describe('tsostree ostree commit --gpg-sign/--sign', () => {
  it('same commit as real `ostree commit --gpg-sign`, signed before the branch moves; real ostree verifies ours', async () => {
    const tree = join(dir, `ctree${n++}`);
    mkdirSync(tree);
    writeFileSync(join(tree, 'a'), 'signed commit\n');
    const ours = join(dir, `cours${n}`);
    const theirs = join(dir, `ctheirs${n++}`);
    sh('ostree', ['init', `--repo=${ours}`, '--mode=archive']);
    sh('ostree', ['init', `--repo=${theirs}`, '--mode=archive']);
    const k = edKey();
    const args = ['commit', '-b', 'main', '-s', 'signed', '--timestamp=2024-01-01T00:00:00Z', `--gpg-sign=${KEY1}`, `--gpg-homedir=${home}`, tree];
    const real = sh('ostree', [`--repo=${theirs}`, ...args]);
    const r = await runCli(['ostree', ...args, `--repo=${ours}`, `--sign=${k.secret}`]);
    expect(r).toEqual({ status: 0, stdout: real, stderr: '' });
    expect(realPullVerified(ours)).toBe(0);
    expect((await runCli(['ostree', 'sign', `--repo=${ours}`, '--verify', 'main', k.pub])).status).toBe(0);

    // a key that cannot be used: nothing is committed, the branch stays
    const before = readFileSync(join(ours, 'refs/heads/main'), 'utf8');
    writeFileSync(join(tree, 'a'), 'changed\n');
    const bad = await runCli(['ostree', 'commit', `--repo=${ours}`, '-b', 'main', '--gpg-sign=0000000000000000', `--gpg-homedir=${home}`, tree]);
    expect(bad.stderr).toContain('No gpg key found with ID 0000000000000000');
    const bad2 = await runCli(['ostree', 'commit', `--repo=${ours}`, '-b', 'main', '--sign=AAAA', tree]);
    expect(bad2.stderr).toContain('Incorrect ed25519 secret key');
    expect(readFileSync(join(ours, 'refs/heads/main'), 'utf8')).toBe(before);
  });
});

describe('tsostree ostree show: signatures, --gpg-homedir, --gpg-verify-remote, --print-detached-metadata-key', () => {
  it('prints the same signature section as real ostree show', async () => {
    const { repo } = repoWithCommit();
    const same = async (args: string[]): Promise<string> => {
      const real = sh('ostree', [`--repo=${repo}`, 'show', ...args]);
      const ours = await runCli(['ostree', 'show', `--repo=${repo}`, ...args]);
      expect(ours).toEqual({ status: 0, stdout: real, stderr: '' });
      return real;
    };
    expect(await same(['main'])).not.toContain('signature');
    sh('ostree', [`--repo=${repo}`, 'gpg-sign', `--gpg-homedir=${home}`, 'main', KEY1]);
    expect((await runCli(['ostree', 'gpg-sign', `--repo=${repo}`, `--gpg-homedir=${home}`, 'main', KEY2])).status).toBe(0);
    expect(await same(['main'])).toContain("Found 2 signatures:\n\n  Signature made ");
    expect(await same(['main', `--gpg-homedir=${join(home, 'trusted')}`])).toContain('Good signature from "Ostree Tester II <test2@test.com>"');
    sh('ostree', [`--repo=${repo}`, 'remote', 'add', 'origin', 'file:///nowhere']);
    sh('ostree', [`--repo=${repo}`, 'remote', 'gpg-import', 'origin', '-k', join(GPGHOME, 'key2.asc')]);
    await same(['main', '--gpg-verify-remote=origin']);
    // a revoked key, through the remote's gpgkeypath
    const rhome = join(dir, `rev${n++}`);
    mkdirSync(rhome, { mode: 0o700 });
    execFileSync('gpg', ['--homedir', rhome, '--batch', '--quiet', '--import', join(GPGHOME, 'key1.asc'), join(GPGHOME, 'revocations/key1.rev')], { stdio: 'ignore' });
    writeFileSync(join(dir, `revoked${n}.gpg`), execFileSync('gpg', ['--homedir', rhome, '--batch', '--export']));
    execFileSync('gpgconf', ['--homedir', rhome, '--kill', 'all'], { stdio: 'ignore' });
    sh('ostree', [`--repo=${repo}`, 'remote', 'add', `--set=gpgkeypath=${join(dir, `revoked${n}.gpg`)}`, 'revoked', 'file:///nowhere']);
    expect(await same(['main', '--gpg-verify-remote=revoked'])).toContain('  Key revoked\n');
    await same(['main', '--print-detached-metadata-key=ostree.gpgsigs']);
    const missing = await runCli(['ostree', 'show', `--repo=${repo}`, 'main', '--print-detached-metadata-key=nokey']);
    expect(missing.stderr).toBe("error: No such metadata key 'nokey'\n");
  });
});

describe('pull with --sign-verify=ed25519 (ostree-tests test-pre-signed-pull.sh: a repository signed by real ostree + libsodium)', () => {
  it('pulls with the right key and refuses a wrong one before any ref moves', async () => {
    const up = join(dir, `upstream${n++}`);
    mkdirSync(up);
    execFileSync('tar', ['-xzf', '/usr/libexec/installed-tests/libostree/pre-signed-pull-data.tar.gz', '-C', up]);
    const pubkey = '45yzbkuEok0lLabxzdAHWUDSMZgYfxU40sN+LMfYHVA=';
    const good = join(dir, `pgood${n++}`);
    expect((await runCli(['ostree', 'init', `--repo=${good}`, '--mode=archive'])).status).toBe(0);
    expect((await runCli(['ostree', 'remote', 'add', `--repo=${good}`, '--set=gpg-verify=false', `--sign-verify=ed25519=inline:${pubkey}`, 'upstream', `file://${up}/repo`])).status).toBe(0);
    expect((await runCli(['ostree', 'pull', `--repo=${good}`, 'upstream:testref'])).status).toBe(0);
    expect(sh('ostree', [`--repo=${good}`, 'rev-parse', 'upstream:testref']).trim()).toBe('c446da06d994d2e993fa508bd40eae1e392bdc101d02ac3783e0cf7633866b3c');

    const bad = join(dir, `pbad${n++}`);
    const wrong = edKey().pub;
    expect((await runCli(['ostree', 'init', `--repo=${bad}`, '--mode=archive'])).status).toBe(0);
    expect((await runCli(['ostree', 'remote', 'add', `--repo=${bad}`, '--set=gpg-verify=false', `--sign-verify=ed25519=inline:${wrong}`, 'badupstream', `file://${up}/repo`])).status).toBe(0);
    const r = await runCli(['ostree', 'pull', `--repo=${bad}`, 'badupstream:testref']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^error:.* ed25519: Signature couldn.t be verified with: key/);
    expect(status('ostree', [`--repo=${bad}`, 'rev-parse', 'badupstream:testref'])).not.toBe(0);
  });
});
