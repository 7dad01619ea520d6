/**
 * rpm-ostree's compose commit metadata, as GVariant values: `version` with `automatic-version-prefix`
 * increments, `rpmostree.rpmmd-repos` (`aa{sv}`: id, timestamp), `rpmostree.inputhash`, and
 * `add-commit-metadata` JSON values. rpm-ostree byte-swaps a compose commit's whole metadata to big
 * endian, so every number here is stored big-endian like its commits.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@tsostree/errors';
import { Variant } from '@tsostree/objstore';
import type { JsonValue } from './treefile-types.js';

function bswap64(n: bigint): bigint {
  let v = BigInt.asUintN(64, n);
  let out = 0n;
  for (let i = 0; i < 8; i++) {
    out = (out << 8n) | (v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** A u64 stored big-endian (`t`). */
export function u64BE(n: number | bigint): Variant {
  return new Variant('t', bswap64(BigInt(n)));
}

/** An i64 stored big-endian (`x`). */
export function i64BE(n: number | bigint): Variant {
  return new Variant('x', BigInt.asIntN(64, bswap64(BigInt(n))));
}

function f64BE(n: number): Variant {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, n, false);
  return new Variant('d', buf.getFloat64(0, true));
}

/**
 * A JSON value as json-glib's `json_gvariant_deserialize` makes it (string → s, bool → b, integer → x,
 * other number → d, array → av, object → a{sv}), numbers big-endian like rpm-ostree's compose commits.
 */
export function jsonToVariant(value: JsonValue): Variant {
  if (typeof value === 'string') return new Variant('s', value);
  if (typeof value === 'boolean') return new Variant('b', value);
  if (typeof value === 'number') return Number.isSafeInteger(value) ? i64BE(value) : f64BE(value);
  if (value === null) return new Variant('mv', null);
  if (Array.isArray(value)) return new Variant('av', value.map(jsonToVariant));
  return new Variant(
    'a{sv}',
    Object.keys(value)
      .sort()
      .map((k) => [k, jsonToVariant(value[k]!)]),
  );
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Expands `<date:FORMAT>` (strftime: %Y %y %m %d %H %M %S %j %%) in a version prefix, in UTC. */
export function expandVersionDate(prefix: string, date: Date): string {
  return prefix.replace(/<date:([^>]*)>/g, (_m, fmt: string) =>
    fmt.replace(/%(.)/g, (_x, c: string) => {
      switch (c) {
        case 'Y':
          return String(date.getUTCFullYear());
        case 'y':
          return pad(date.getUTCFullYear() % 100);
        case 'm':
          return pad(date.getUTCMonth() + 1);
        case 'd':
          return pad(date.getUTCDate());
        case 'H':
          return pad(date.getUTCHours());
        case 'M':
          return pad(date.getUTCMinutes());
        case 'S':
          return pad(date.getUTCSeconds());
        case 'j': {
          const start = Date.UTC(date.getUTCFullYear(), 0, 1);
          return pad(Math.floor((date.getTime() - start) / 86400000) + 1, 3);
        }
        case '%':
          return '%';
        default:
          throw new InvalidArgumentError(`unsupported date format %${c} in automatic-version-prefix`);
      }
    }),
  );
}

/**
 * rpm-ostree's next version: the prefix when the last version does not start with it, `<prefix>.1` after the
 * bare prefix, else the number after `<prefix><suffix>` plus one.
 */
export function nextVersion(prefix: string, lastVersion: string | undefined, suffix = '.'): string {
  if (lastVersion === undefined || !lastVersion.startsWith(prefix)) return prefix;
  if (lastVersion === prefix) return `${prefix}${suffix}1`;
  const rest = lastVersion.slice(prefix.length);
  if (rest[0] !== suffix) return prefix;
  const digits = /^[0-9]*/.exec(rest.slice(1))![0];
  const num = digits === '' ? 0n : BigInt(digits);
  return `${prefix}${suffix}${num + 1n}`;
}

/** `rpmostree.rpmmd-repos`: one `{id, timestamp}` per repo (timestamp = newest in its repomd.xml). */
export function rpmmdReposVariant(repos: readonly { id: string; timestamp: number }[]): Variant {
  return new Variant(
    'aa{sv}',
    repos.map((r) => [
      ['id', new Variant('s', r.id)],
      ['timestamp', u64BE(r.timestamp)],
    ]),
  );
}

/** The input hash: treefile checksum, every package's repository checksum, extra metadata strings. */
export function composeInputHash(input: {
  treefileChecksum: string;
  packages: readonly { nevra: string; checksumType: string; checksum: string }[];
  metadataStrings?: readonly [string, string][];
}): string {
  const h = createHash('sha256');
  h.update('tsostree-compose-inputhash-1\n');
  h.update(`treefile ${input.treefileChecksum}\n`);
  for (const p of [...input.packages].sort((a, b) => (a.nevra < b.nevra ? -1 : a.nevra > b.nevra ? 1 : 0))) {
    h.update(`package ${p.nevra} ${p.checksumType}:${p.checksum}\n`);
  }
  for (const [k, v] of [...(input.metadataStrings ?? [])].sort()) h.update(`meta ${JSON.stringify(k)}=${JSON.stringify(v)}\n`);
  return h.digest('hex');
}
