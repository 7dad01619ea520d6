// Test-time OpenPGP keys (made by the real gpg) and package signing with the real rpmsign.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SigningKey {
  home: string;
  email: string;
  publicKeyArmored: string;
}

export function makeSigningKey(kind: 'rsa' | 'ed25519', email = `${kind}@example.invalid`): SigningKey {
  const home = mkdtempSync(join(tmpdir(), 'gpg-'));
  const env = { ...process.env, GNUPGHOME: home };
  execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', `${kind} test <${email}>`, kind === 'rsa' ? 'rsa2048' : 'ed25519', 'sign', 'never'], {
    env,
    stdio: 'ignore',
  });
  const publicKeyArmored = execFileSync('gpg', ['--export', '--armor', email], { env, encoding: 'utf8' });
  return { home, email, publicKeyArmored };
}

/** Copies `src` to `dest` and signs it there with rpmsign (header-only signature). */
export function signRpm(src: string, dest: string, key: SigningKey): string {
  copyFileSync(src, dest);
  execFileSync(
    'rpmsign',
    ['--define', `_gpg_name ${key.email}`, '--define', `_gpg_path ${key.home}`, '--define', '__gpg /usr/bin/gpg', '--addsign', dest],
    { env: { ...process.env, GNUPGHOME: key.home }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return dest;
}
