// What the status printers know about one deployment: the sysroot's facts plus its commit.
// Pure data; built by sysroot-option.ts from @tsostree/sysroot and the system repository.
import { Variant, vardictGet, type Commit, type GVariantValue, type KeyFile } from '@tsostree/objstore';

export interface DeploymentView {
  /** Position in the boot order (0 = the default), as `ostree admin` indexes deployments. */
  index: number;
  stateroot: string;
  checksum: string;
  serial: number;
  booted: boolean;
  /** The deployment that boots next on this stateroot when it is not the booted one (ostree's "pending"). */
  pending: boolean;
  /** The deployment after the booted one on this stateroot (ostree's "rollback"). */
  rollback: boolean;
  staged: boolean;
  pinned: boolean;
  /** ostree's unlocked state name: none, development, hotfix, transient. */
  unlocked: string;
  origin: KeyFile | null;
  /** The deployed commit; null when the repository no longer has it (status stumbles on). */
  commit: Commit | null;
  /** When the origin's ref now points elsewhere: that commit (rpm-ostree's pending-base-*). */
  pendingBase?: { checksum: string; commit: Commit | null };
}

/** A commit's `version` metadata string, if any. */
export function commitVersion(commit: Commit | null): string | undefined {
  const v = commit ? vardictGet(commit.metadata, 'version', 's') : undefined;
  return typeof v === 'string' ? v : undefined;
}

export function commitMetaString(commit: Commit | null, key: string): string | undefined {
  const v = commit ? vardictGet(commit.metadata, key, 's') : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** The origin's `[origin] refspec` (or rpm-ostree's `baserefspec`), if any. */
export function originRefspec(origin: KeyFile | null): string | undefined {
  if (!origin) return undefined;
  return origin.getString('origin', 'refspec') ?? origin.getString('origin', 'baserefspec');
}

/** `YYYY-MM-DDTHH:MM:SSZ`, how rpm-ostree prints commit timestamps. */
export function formatUtcTimestamp(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A GVariant value as JSON, like json-glib's `json_gvariant_serialize` (used by `status --json`). */
export function gvariantToJson(type: string, value: GVariantValue): unknown {
  const c = type[0];
  if (c === 'v') {
    const inner = value as Variant;
    return gvariantToJson(inner.type, inner.value);
  }
  if (c === 'x' || c === 't') return Number(value as bigint);
  if (c === 'm') {
    const m = value as GVariantValue[] | null;
    return m === null || m.length === 0 ? null : gvariantToJson(type.slice(1), m[0]!);
  }
  if (c === 'a') {
    const elem = type.slice(1);
    if (elem === 'y') return [...(value as Uint8Array)];
    const items = value as GVariantValue[];
    if (elem.startsWith('{s') || elem.startsWith('{o') || elem.startsWith('{g')) {
      const valueType = elem.slice(2, -1);
      const out: Record<string, unknown> = {};
      for (const entry of items as [string, GVariantValue][]) out[entry[0]] = gvariantToJson(valueType, entry[1]);
      return out;
    }
    return items.map((item) => gvariantToJson(elem, item));
  }
  if (c === '(' || c === '{') {
    const types = splitTupleTypes(type.slice(1, -1));
    return (value as GVariantValue[]).map((item, i) => gvariantToJson(types[i] ?? 'v', item));
  }
  return value;
}

/** Splits the member types of a tuple/dict-entry body such as `sa{sv}(ii)`. */
function splitTupleTypes(body: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < body.length) {
    const start = i;
    i = skipType(body, i);
    out.push(body.slice(start, i));
  }
  return out;
}

function skipType(s: string, i: number): number {
  const c = s[i];
  if (c === 'a' || c === 'm') return skipType(s, i + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    i++;
    while (i < s.length && s[i] !== close) i = skipType(s, i);
    return i + 1;
  }
  return i + 1;
}
