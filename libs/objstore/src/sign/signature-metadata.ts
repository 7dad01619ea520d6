/**
 * Signature arrays inside an `a{sv}` (detached commit metadata, `summary.sig`): reading the `aay`
 * under a key, and appending to or filtering it while keeping every other entry.
 */
import { SignatureInvalidError } from '@tsostree/errors';
import { parseVarDict, serializeVarDict } from '../format/metadata.js';
import { Variant } from '../format/gvariant/value.js';

export type VarDictEntries = [string, Variant][];

/**
 * Parses signature-bearing metadata bytes; garbage (not a normal-form `a{sv}`, or above ostree's
 * metadata size limit) is a SignatureInvalidError, since it can only be a corrupt or forged file.
 */
export function parseSignatureMetadata(bytes: Uint8Array, what: string): VarDictEntries {
  try {
    return parseVarDict(bytes, what);
  } catch (error) {
    throw new SignatureInvalidError(`${what} is corrupt: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Most signatures checked under one key. Real metadata holds a handful; a forged file with millions
 * of tiny entries would otherwise cost signatures × keys verifications.
 */
export const MAX_SIGNATURES = 1024;

/**
 * The `aay` under `key` ([] if absent). An entry of the wrong type counts as no signatures, like
 * ostree's typed lookup. More than {@link MAX_SIGNATURES} is a SignatureInvalidError.
 */
export function signaturesIn(entries: readonly (readonly [string, Variant])[] | undefined, key: string): Uint8Array[] {
  if (!entries) return [];
  for (const [k, v] of entries) {
    if (k === key && v.type === 'aay') {
      const sigs = v.value as Uint8Array[];
      if (sigs.length > MAX_SIGNATURES) {
        throw new SignatureInvalidError(`${key} holds ${sigs.length} signatures (more than ${MAX_SIGNATURES})`, { data: { key, count: sigs.length } });
      }
      return sigs;
    }
  }
  return [];
}

/** `entries` with `signatures` appended to the `aay` under `key` (created at the end if absent). */
export function appendSignatures(entries: readonly (readonly [string, Variant])[] | undefined, key: string, signatures: readonly Uint8Array[]): VarDictEntries {
  const out: VarDictEntries = (entries ?? []).map(([k, v]) => [k, v]);
  const i = out.findIndex(([k, v]) => k === key && v.type === 'aay');
  if (i >= 0) {
    out[i] = [key, new Variant('aay', [...(out[i]![1].value as Uint8Array[]), ...signatures])];
  } else {
    const j = out.findIndex(([k]) => k === key);
    if (j >= 0) out.splice(j, 1);
    out.push([key, new Variant('aay', [...signatures])]);
  }
  return out;
}

/** `entries` keeping only the signatures under `key` for which `keep` is true (the key is dropped when none remain). */
export function filterSignatures(entries: readonly (readonly [string, Variant])[], key: string, keep: (sig: Uint8Array) => boolean): VarDictEntries {
  const out: VarDictEntries = [];
  for (const [k, v] of entries) {
    if (k === key && v.type === 'aay') {
      const kept = (v.value as Uint8Array[]).filter(keep);
      if (kept.length > 0) out.push([k, new Variant('aay', kept)]);
    } else {
      out.push([k, v]);
    }
  }
  return out;
}

export const serializeSignatureMetadata = (entries: readonly (readonly [string, Variant])[]): Uint8Array => serializeVarDict(entries);
