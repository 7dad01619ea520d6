/**
 * JavaScript values of GVariant types.
 *
 * | GVariant type | JavaScript value |
 * |---|---|
 * | `y n q i u h d` | `number` |
 * | `x t` | `bigint` |
 * | `b` | `boolean` |
 * | `s o g` | `string` |
 * | `ay` | `Uint8Array` (a zero-copy view when parsed) |
 * | `a<T>` (other) | `T[]` |
 * | `(T1 T2 …)` | `[T1, T2, …]` |
 * | `{KV}` | `[K, V]` |
 * | `v` | `Variant` (its type string and value) |
 * | `m<T>` | `null` (Nothing) or `[T]` (Just), so nested maybes stay unambiguous |
 */
export type GVariantValue =
  | number
  | bigint
  | boolean
  | string
  | Uint8Array
  | Variant
  | null
  | readonly GVariantValue[];

/** A value of type `v`: a value together with its own type string. */
export class Variant {
  constructor(
    readonly type: string,
    readonly value: GVariantValue,
  ) {}
}

/** A parsed `a{sv}` ("vardict"): key/value entries in serialized order. */
export type VarDict = readonly (readonly [string, Variant])[];

/** Builds an `a{sv}` value from entries (kept in the given order, as GLib's builder does). */
export function vardict(entries: Iterable<readonly [string, Variant]>): [string, Variant][] {
  return Array.from(entries, ([k, v]) => [k, v] as [string, Variant]);
}

/** Looks up a key in an `a{sv}`; the first entry wins, as in GLib's `g_variant_lookup_value`. */
export function vardictLookup(dict: VarDict, key: string): Variant | undefined {
  for (const [k, v] of dict) if (k === key) return v;
  return undefined;
}

/** Looks up a key and returns its value only when its type is `type` (GLib `g_variant_lookup`). */
export function vardictGet(dict: VarDict, key: string, type: string): GVariantValue | undefined {
  const v = vardictLookup(dict, key);
  return v && v.type === type ? v.value : undefined;
}

/** Structural equality of two values of the same type (bytes, bigints, variants, nested arrays). */
export function gvariantEqual(a: GVariantValue, b: GVariantValue): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (a instanceof Variant && b instanceof Variant) return a.type === b.type && gvariantEqual(a.value, b.value);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!gvariantEqual(a[i] as GVariantValue, b[i] as GVariantValue)) return false;
    return true;
  }
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  return false;
}
