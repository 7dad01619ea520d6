/**
 * Keys for signature tests: the OpenPGP test keys shipped in Debian's `ostree-tests` (installed by
 * tools/setup.sh; a missing package fails the tests loudly) and fresh ed25519 keys made by OpenSSL.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OSTREE_TESTS_DIR = '/usr/libexec/installed-tests/libostree';
/** ostree's libtest.sh key IDs / fingerprints. */
export const TEST_GPG_KEYID_1 = '7FCA23D8472CDAFA';
export const TEST_GPG_KEYFPR_1 = '5E65DE75AB1C501862D476347FCA23D8472CDAFA';
export const TEST_GPG_KEYID_2 = 'D8228CFECA950D41';
export const TEST_GPG_KEYID_3 = '0D15FAE7DF444D67';

export function sh(cmd: string, args: string[], options: { cwd?: string; input?: Uint8Array | string } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...options }) as string;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

export function shBytes(cmd: string, args: string[]): Uint8Array {
  return new Uint8Array(execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Runs a command and returns its status and output without throwing. */
export function shStatus(cmd: string, args: string[]): { status: number; stdout: string; stderr: string } {
  try {
    return { status: 0, stdout: execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), stderr: '' };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { status: e.status ?? 1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? '') };
  }
}

/**
 * A private, writable copy of ostree-tests' gpghome (GnuPG needs to write lock files), like
 * libtest.sh makes. `pubring.gpg`/`secring.gpg` hold the three test keys; `trusted/pubring.gpg` is
 * the public keyring; `revocations/keyN.rev` revoke them.
 */
export function copyGpgHome(parent: string): string {
  const src = join(OSTREE_TESTS_DIR, 'gpghome');
  if (!existsSync(join(src, 'secring.gpg'))) throw new Error(`${src} is missing: install ostree-tests (tools/setup.sh)`);
  const home = join(parent, 'gpghome');
  cpSync(src, home, { recursive: true });
  chmodSync(home, 0o700);
  return home;
}

export const testPublicKeyring = (): Uint8Array => new Uint8Array(readFileSync(join(OSTREE_TESTS_DIR, 'gpghome/trusted/pubring.gpg')));
export const testSecretKeyring = (): Uint8Array => new Uint8Array(readFileSync(join(OSTREE_TESTS_DIR, 'gpghome/secring.gpg')));

/** Exports one key from a gpg homedir (binary), e.g. to build a single-key keyring. */
export function gpgExport(home: string, keyId: string, secret = false): Uint8Array {
  return shBytes('gpg', ['--homedir', home, '--batch', '--quiet', secret ? '--export-secret-keys' : '--export', keyId]);
}

/** A keyring holding key `n`'s public key with its revocation certificate applied, made by GnuPG. */
export function revokedKeyring(parent: string, n: 1 | 2 | 3): Uint8Array {
  const home = mkdtempSync(join(parent, 'revoked-'));
  chmodSync(home, 0o700);
  sh('gpg', ['--homedir', home, '--batch', '--quiet', '--import', join(OSTREE_TESTS_DIR, `gpghome/key${n}.asc`)]);
  sh('gpg', ['--homedir', home, '--batch', '--quiet', '--import', join(OSTREE_TESTS_DIR, `gpghome/revocations/key${n}.rev`)]);
  const keyring = shBytes('gpg', ['--homedir', home, '--batch', '--export']);
  sh('gpgconf', ['--homedir', home, '--kill', 'all']);
  rmSync(home, { recursive: true, force: true });
  return keyring;
}

/** Stops the gpg-agent a test homedir started. */
export function killGpgAgent(home: string): void {
  try {
    execFileSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
  } catch {
    // no agent
  }
}

/** An ed25519 key pair made by OpenSSL, in ostree's text forms, plus the PEM file. */
export interface OpensslEd25519 {
  pem: string;
  /** base64 of the 32-byte public key. */
  public: string;
  /** base64 of the 32-byte seed. */
  seed: string;
  /** base64 of seed ‖ public (libsodium's secret key, what `ostree sign` takes). */
  secret: string;
}

export function opensslEd25519(dir: string, name = 'key'): OpensslEd25519 {
  const pem = join(dir, `${name}.pem`);
  sh('openssl', ['genpkey', '-algorithm', 'ed25519', '-outform', 'PEM', '-out', pem]);
  const pub = shBytes('openssl', ['pkey', '-outform', 'DER', '-pubout', '-in', pem]).subarray(-32);
  const seed = shBytes('openssl', ['pkey', '-outform', 'DER', '-in', pem]).subarray(-32);
  return {
    pem,
    public: Buffer.from(pub).toString('base64'),
    seed: Buffer.from(seed).toString('base64'),
    secret: Buffer.concat([seed, pub]).toString('base64'),
  };
}

/** OpenSSL's ed25519 signature of a file (raw 64 bytes). */
export function opensslSign(pem: string, dataFile: string): Uint8Array {
  return shBytes('openssl', ['pkeyutl', '-sign', '-rawin', '-inkey', pem, '-in', dataFile]);
}

/** Whether OpenSSL accepts `sig` over `dataFile` for the key in `pem`. */
export function opensslVerify(dir: string, pem: string, dataFile: string, sig: Uint8Array): boolean {
  const sigFile = join(dir, `sig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(sigFile, sig);
  return shStatus('openssl', ['pkeyutl', '-verify', '-rawin', '-inkey', pem, '-in', dataFile, '-sigfile', sigFile]).status === 0;
}

export function tempRoot(prefix = 'tsostree-sign-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
