/**
 * OpenPGP signatures as ostree makes them with GPGME: each element of the `aay` under
 * `ostree.gpgsigs` (in a commit's detached metadata, or in `summary.sig`) is one binary detached
 * signature (signature type 0x00, binary document) over the signed bytes — the commit object's
 * bytes or the summary file's bytes. Keyrings are binary (`gpg --export`) or ASCII-armored.
 *
 * Crypto is the `openpgp` package (OpenPGP.js), the same pinned version `@tsostree/rpmdb` uses.
 */
import type * as OpenPgp from 'openpgp';
import { CorruptError, InvalidArgumentError, NotFoundError } from '@tsostree/errors';

/** OpenPGP.js is loaded on first use: importing it costs ~60 ms, and most commands never touch a signature. */
let openpgpModule: Promise<typeof OpenPgp> | undefined;
function loadOpenpgp(): Promise<typeof OpenPgp> {
  return (openpgpModule ??= import('openpgp'));
}

/** Detached-metadata / summary.sig key of OpenPGP signatures. */
export const GPG_METADATA_KEY = 'ostree.gpgsigs';
export const GPG_METADATA_FORMAT = 'aay';

export type GpgPublicKey = OpenPgp.Key;
export type GpgSecretKey = OpenPgp.PrivateKey;

const ARMOR_BEGIN = '-----BEGIN PGP ';

function isArmored(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 4096))).toString('latin1');
  return head.includes(ARMOR_BEGIN);
}

/** Splits text holding several armored blocks (e.g. concatenated `.asc` files) into blocks. */
function armoredBlocks(text: string, kind: string): string[] {
  const re = new RegExp(`-----BEGIN PGP ${kind}-----[\\s\\S]*?-----END PGP ${kind}-----`, 'g');
  return text.match(re) ?? [];
}

/**
 * Public keys from a keyring file's bytes: binary (`gpg --export`, `pubring.gpg`,
 * `<remote>.trustedkeys.gpg`) or armored (one or more `PUBLIC KEY BLOCK`s). CorruptError if the
 * bytes are not an OpenPGP keyring; an empty file is an empty keyring.
 */
export async function readGpgPublicKeys(bytes: Uint8Array, what = 'keyring'): Promise<GpgPublicKey[]> {
  const openpgp = await loadOpenpgp();
  if (bytes.length === 0) return [];
  try {
    if (isArmored(bytes)) {
      const text = Buffer.from(bytes).toString('utf8');
      const keys: GpgPublicKey[] = [];
      const blocks = [...armoredBlocks(text, 'PUBLIC KEY BLOCK'), ...armoredBlocks(text, 'PRIVATE KEY BLOCK')];
      for (const block of blocks) keys.push(...(await openpgp.readKeys({ armoredKeys: block })).map((k) => k.toPublic()));
      if (keys.length === 0) throw new Error('no key blocks');
      return keys;
    }
    return (await openpgp.readKeys({ binaryKeys: bytes })).map((k) => k.toPublic());
  } catch (error) {
    throw new CorruptError(`${what} is not a valid OpenPGP keyring: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Secret keys from bytes: binary (`gpg --export-secret-keys`, a legacy `secring.gpg`) or armored.
 * Keys protected by a passphrase are decrypted with `passphrase` (InvalidArgument without it).
 */
export async function readGpgSecretKeys(bytes: Uint8Array, options: { passphrase?: string; what?: string } = {}): Promise<GpgSecretKey[]> {
  const openpgp = await loadOpenpgp();
  const what = options.what ?? 'secret keyring';
  let keys: GpgSecretKey[];
  try {
    if (isArmored(bytes)) {
      keys = [];
      for (const block of armoredBlocks(Buffer.from(bytes).toString('utf8'), 'PRIVATE KEY BLOCK')) {
        keys.push(...(await openpgp.readPrivateKeys({ armoredKeys: block })));
      }
    } else {
      keys = await openpgp.readPrivateKeys({ binaryKeys: bytes });
    }
  } catch (error) {
    throw new CorruptError(`${what} holds no valid OpenPGP secret key: ${(error as Error).message}`, { cause: error });
  }
  const out: GpgSecretKey[] = [];
  for (const key of keys) {
    if (key.isDecrypted()) {
      out.push(key);
      continue;
    }
    if (options.passphrase === undefined) {
      throw new InvalidArgumentError(`secret key ${key.getKeyID().toHex().toUpperCase()} is protected by a passphrase`);
    }
    try {
      out.push(await openpgp.decryptKey({ privateKey: key, passphrase: options.passphrase }));
    } catch (error) {
      throw new InvalidArgumentError(`cannot unlock secret key ${key.getKeyID().toHex().toUpperCase()}: ${(error as Error).message}`, { cause: error });
    }
  }
  return out;
}

const normalizeKeyId = (id: string): string => id.replace(/^0x/i, '').replace(/\s+/g, '').toUpperCase();

/** True if `key` (or one of its subkeys) is named by `keyId`: fingerprint, long or short key ID, hex, optional `0x`. */
export function gpgKeyMatches(key: GpgPublicKey, keyId: string): boolean {
  const want = normalizeKeyId(keyId);
  if (!/^[0-9A-F]{8,40}$/.test(want)) return false;
  for (const k of [key, ...key.getSubkeys()]) {
    const fpr = k.getFingerprint().toUpperCase();
    if (fpr === want || fpr.endsWith(want)) return true;
  }
  return false;
}

/** The secret key named by `keyId` (NotFound if none). */
export function findGpgSecretKey(keys: readonly GpgSecretKey[], keyId: string): GpgSecretKey {
  const key = keys.find((k) => gpgKeyMatches(k, keyId));
  if (!key) throw new NotFoundError(`No GPG secret key found for "${keyId}"`, { data: { keyId } });
  return key;
}

/** A binary detached OpenPGP signature of `data` (what goes into `ostree.gpgsigs`). */
export async function gpgSignData(data: Uint8Array, key: GpgSecretKey, options: { date?: Date } = {}): Promise<Uint8Array> {
  const openpgp = await loadOpenpgp();
  const message = await openpgp.createMessage({ binary: data });
  return openpgp.sign({ message, signingKeys: key, detached: true, format: 'binary', ...(options.date ? { date: options.date } : {}) });
}

/** GnuPG's verdict on one signature, in the order ostree describes them. */
export type GpgSignatureStatus = 'good' | 'missing-key' | 'revoked-key' | 'expired-signature' | 'expired-key' | 'bad';

/** The outcome for one signature packet (the fields ostree's `describe` prints). */
export interface GpgSignatureCheck {
  type: 'gpg';
  valid: boolean;
  status?: GpgSignatureStatus;
  /** Issuer key ID (16 uppercase hex), when the signature names one. */
  keyId?: string;
  /** Fingerprint (40 uppercase hex) of the primary key that made it, when that key is in the keyring. */
  fingerprint?: string;
  /** Fingerprint of the (sub)key that made it, when known. */
  signingFingerprint?: string;
  /** Public-key algorithm as GPGME names it (`RSA`, `DSA`, `ECDSA`, `EdDSA`, …). */
  algorithm?: string;
  /** Signature creation time. */
  created?: Date;
  /** Signature expiry, when it has one. */
  signatureExpires?: Date;
  /** Expiry of the signing (sub)key and of the primary key, when they have one. */
  keyExpires?: Date;
  primaryKeyExpires?: Date;
  /** The signer's primary user ID, split like GPGME (name, email). */
  userName?: string;
  userEmail?: string;
  /** Why it is invalid, or "Good signature from …". */
  message: string;
}

/** GPGME's `gpgme_pubkey_algo_name` for an OpenPGP public-key algorithm number. */
export function gpgAlgorithmName(algo: number | null | undefined): string {
  switch (algo) {
    case 1:
      return 'RSA';
    case 2:
      return 'RSA-E';
    case 3:
      return 'RSA-S';
    case 16:
      return 'ELG-E';
    case 17:
      return 'DSA';
    case 18:
      return 'ECDH';
    case 19:
      return 'ECDSA';
    case 20:
      return 'ELG';
    case 22:
    case 27:
    case 28:
      return 'EdDSA';
    default:
      return 'Unknown';
  }
}

function describeFailure(error: unknown, known: boolean): string {
  const m = error instanceof Error ? error.message : String(error);
  if (!known || /Could not find signing key/i.test(m)) return 'public key not found';
  if (/revoked/i.test(m)) return `key revoked (${m})`;
  if (/expired/i.test(m)) return `expired (${m})`;
  if (/digest did not match|Signed digest|signature verification failed/i.test(m)) return 'BAD signature';
  return m;
}

export interface GpgVerifyOptions {
  /** Verification time (default now): expired signatures and keys are invalid at this date. */
  date?: Date;
  /**
   * Accept data signatures made with SHA-1 (default true, as GnuPG 2.2 and so real ostree do:
   * older ostree repositories are signed that way). MD5 and RIPEMD-160 are always refused.
   */
  acceptSha1?: boolean;
}

/** Hash algorithms refused in data signatures: GnuPG's default set, or that plus SHA-1. */
function rejectedHashes(openpgp: typeof OpenPgp, acceptSha1: boolean): Set<OpenPgp.enums.hash> {
  const { md5, ripemd, sha1 } = openpgp.enums.hash;
  return new Set(acceptSha1 ? [md5, ripemd] : [md5, ripemd, sha1]);
}

/**
 * Verifies each element of an `ostree.gpgsigs` array over `data` against `keys`, with GnuPG's
 * notion of a good signature (what ostree counts as valid): made by a key in `keys`, that key
 * neither revoked nor expired, the signature not expired. Never throws for bad input: a truncated
 * or garbage element becomes an invalid check.
 */
export async function verifyGpgSignatures(
  data: Uint8Array,
  signatures: readonly Uint8Array[],
  keys: readonly GpgPublicKey[],
  options: GpgVerifyOptions = {},
): Promise<GpgSignatureCheck[]> {
  const openpgp = await loadOpenpgp();
  const config = { rejectMessageHashAlgorithms: rejectedHashes(openpgp, options.acceptSha1 !== false) };
  const checks: GpgSignatureCheck[] = [];
  for (const [i, sigBytes] of signatures.entries()) {
    let signature: OpenPgp.Signature;
    try {
      signature = await openpgp.readSignature({ binarySignature: sigBytes });
    } catch (error) {
      checks.push({ type: 'gpg', valid: false, message: `signature ${i} is malformed: ${(error as Error).message}` });
      continue;
    }
    let results: Awaited<ReturnType<typeof OpenPgp.verify>>['signatures'];
    try {
      const message = await openpgp.createMessage({ binary: data });
      const out = await openpgp.verify({ message, signature, verificationKeys: [...keys], format: 'binary', config, ...(options.date ? { date: options.date } : {}) });
      results = out.signatures;
    } catch (error) {
      checks.push({ type: 'gpg', valid: false, message: `signature ${i} cannot be checked: ${(error as Error).message}` });
      continue;
    }
    if (results.length === 0) checks.push({ type: 'gpg', valid: false, message: `signature ${i} holds no signature packet` });
    for (const r of results) {
      const keyId = r.keyID.toHex().toUpperCase();
      const signer = keys.find((k) => k.getKeys(r.keyID).length > 0);
      const signingKey = signer?.getKeys(r.keyID)[0];
      let packet: OpenPgp.SignaturePacket | undefined;
      try {
        packet = (await r.signature).packets[0];
      } catch {
        packet = undefined;
      }
      const created = packet?.created ?? undefined;
      const sigExpires =
        created && packet?.signatureExpirationTime ? new Date(created.getTime() + packet.signatureExpirationTime * 1000) : undefined;
      const keyExpires = signingKey ? await subkeyExpiry(signer!, signingKey) : undefined;
      const primaryKeyExpires = signer ? await keyExpiry(signer) : undefined;
      const user = signer ? await primaryUser(signer) : undefined;
      const base = {
        type: 'gpg' as const,
        keyId,
        algorithm: gpgAlgorithmName(packet?.publicKeyAlgorithm),
        ...(signer ? { fingerprint: signer.getFingerprint().toUpperCase() } : {}),
        ...(signingKey ? { signingFingerprint: signingKey.getFingerprint().toUpperCase() } : {}),
        ...(created ? { created } : {}),
        ...(sigExpires ? { signatureExpires: sigExpires } : {}),
        ...(keyExpires ? { keyExpires } : {}),
        ...(primaryKeyExpires ? { primaryKeyExpires } : {}),
        ...(user ? { userName: user.name, userEmail: user.email } : {}),
      };
      const userText = user ? `${user.name} <${user.email}>` : keyId;
      try {
        await r.verified;
        checks.push({ ...base, valid: true, status: 'good', message: `Good signature from "${userText}"` });
      } catch (error) {
        const at = (options.date ?? new Date()).getTime();
        const expired = (d: Date | undefined): boolean => d !== undefined && d.getTime() <= at;
        let status: GpgSignatureStatus;
        let message: string;
        if (!signer) {
          status = 'missing-key';
          message = 'public key not found';
        } else if (/revoked/i.test((error as Error).message)) {
          status = 'revoked-key';
          message = `key revoked (${(error as Error).message})`;
        } else if (expired(sigExpires)) {
          status = 'expired-signature';
          message = `expired signature from "${userText}"`;
        } else if (expired(keyExpires) || expired(primaryKeyExpires)) {
          status = 'expired-key';
          message = `key expired ${(expired(keyExpires) ? keyExpires : primaryKeyExpires)!.toISOString()}`;
        } else {
          status = 'bad';
          message = describeFailure(error, true);
        }
        checks.push({ ...base, valid: false, status, message });
      }
    }
  }
  return checks;
}

async function keyExpiry(key: GpgPublicKey): Promise<Date | undefined> {
  try {
    const t = await key.getExpirationTime();
    return t instanceof Date ? t : undefined;
  } catch {
    return undefined;
  }
}

async function subkeyExpiry(key: GpgPublicKey, signingKey: ReturnType<GpgPublicKey['getKeys']>[number]): Promise<Date | undefined> {
  if (signingKey.getFingerprint() === key.getFingerprint()) return keyExpiry(key);
  try {
    const t = await (signingKey as OpenPgp.Subkey).getExpirationTime();
    return t instanceof Date ? t : undefined;
  } catch {
    return undefined;
  }
}

/** The primary user ID as GPGME splits it (name, email), also for expired or revoked keys. */
async function primaryUser(key: GpgPublicKey): Promise<{ name: string; email: string } | undefined> {
  let uid: OpenPgp.UserIDPacket | null | undefined;
  try {
    uid = (await key.getPrimaryUser()).user.userID;
  } catch {
    uid = key.users.find((u) => u.userID)?.userID;
  }
  if (!uid) return undefined;
  return { name: uid.name, email: uid.email };
}

/** Issuer key IDs (16 uppercase hex) of a binary signature, or [] if it is unreadable. */
export async function gpgSignatureKeyIds(sigBytes: Uint8Array): Promise<string[]> {
  const openpgp = await loadOpenpgp();
  try {
    const signature = await openpgp.readSignature({ binarySignature: sigBytes });
    return signature.getSigningKeyIDs().map((k) => k.toHex().toUpperCase());
  } catch {
    return [];
  }
}
