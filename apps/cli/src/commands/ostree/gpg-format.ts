import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isTsostreeError } from '@tsostree/errors';
import { readGpgPublicKeys, type GpgPublicKey, type GpgSignatureCheck } from '@tsostree/objstore';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/**
 * GLib's `%c` in the C locale (`%a %b %e %H:%M:%S %Y`), in local time like ostree. GLib's `%e` pads a
 * single-digit day with a FIGURE SPACE (U+2007), not an ASCII space; pass the result through
 * {@link inLocaleCharset} before printing.
 */
export function formatCDate(d: Date): string {
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, '\u2007')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}

/**
 * What `g_print` does with UTF-8 text in the user's locale: unchanged when the locale's charset is
 * UTF-8, otherwise every non-ASCII character becomes `?` (the C locale turns GLib's figure space in
 * dates into `Dec ?6`, and scripts comparing with ostree see the same bytes).
 */
export function inLocaleCharset(text: string, env: Readonly<Record<string, string | undefined>>): string {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || 'C';
  return /utf-?8/i.test(locale) ? text : text.replace(/[^\x00-\x7f]/gu, '?');
}

const keyIdOf = (fpr: string): string => (fpr.length > 16 ? fpr.slice(-16) : fpr);

/** ostree's `ostree_gpg_verify_result_describe` (default format) for one signature. */
export function describeGpgSignature(c: GpgSignatureCheck, prefix = '  ', now = new Date()): string {
  const lines: string[] = [];
  const signing = c.signingFingerprint ?? c.keyId ?? '';
  lines.push(`Signature made ${c.created ? formatCDate(c.created) : '(unknown)'} using ${c.algorithm ?? 'Unknown'} key ID ${keyIdOf(signing)}`);
  const who = `"${c.userName ?? ''} <${c.userEmail ?? ''}>"`;
  const missing = c.status === 'missing-key';
  if (missing) lines.push("Can't check signature: public key not found");
  else if (c.valid) lines.push(`Good signature from ${who}`);
  else if (c.status === 'revoked-key') lines.push('Key revoked');
  else if (c.status === 'expired-signature') lines.push(`Expired signature from ${who}`);
  else lines.push(`BAD signature from ${who}`);
  const subkey = !missing && c.fingerprint !== undefined && c.signingFingerprint !== undefined && c.fingerprint !== c.signingFingerprint;
  if (subkey) lines.push(`Primary key ID ${keyIdOf(c.fingerprint!)}`);
  const expiry = (what: string, d: Date): string => `${what} ${d.getTime() <= now.getTime() ? 'expired' : 'expires'} ${formatCDate(d)}`;
  if (c.signatureExpires) lines.push(expiry('Signature', c.signatureExpires));
  if (!missing && c.keyExpires) lines.push(expiry('Key', c.keyExpires));
  if (!missing && subkey && c.primaryKeyExpires) lines.push(expiry('Primary key', c.primaryKeyExpires));
  return lines.map((l) => `${prefix}${l}\n`).join('');
}

/** `Found N signature(s):` and each description, as `ostree show` prints them. */
export function formatGpgSignatures(checks: readonly GpgSignatureCheck[]): string {
  let out = `Found ${checks.length} signature${checks.length === 1 ? '' : 's'}:\n`;
  for (const c of checks) out += `\n${describeGpgSignature(c)}`;
  return out;
}

/**
 * Keys from every `*.gpg` file of a directory (ostree's keyring directories, e.g. a
 * `--gpg-homedir`); files that are not public keyrings (trustdb.gpg…) are skipped, as GnuPG does.
 */
export async function keysFromKeyringDir(dir: string): Promise<GpgPublicKey[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.gpg')).sort();
  } catch {
    return [];
  }
  const keys: GpgPublicKey[] = [];
  for (const n of names) {
    try {
      keys.push(...(await readGpgPublicKeys(new Uint8Array(await readFile(join(dir, n))), join(dir, n))));
    } catch (error) {
      if (!isTsostreeError(error) && !(error as NodeJS.ErrnoException).code) throw error;
    }
  }
  return keys;
}
