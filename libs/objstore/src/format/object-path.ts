import { InvalidArgumentError } from '@tsostree/errors';

/** Object types of an ostree repository (ostree-core.h `OstreeObjectType`). */
export type ObjectType =
  | 'file'
  | 'dirtree'
  | 'dirmeta'
  | 'commit'
  | 'tombstone-commit'
  | 'commitmeta'
  | 'payload-link'
  | 'file-xattrs'
  | 'file-xattrs-link';

const OBJECT_TYPES: ReadonlySet<string> = new Set<ObjectType>([
  'file',
  'dirtree',
  'dirmeta',
  'commit',
  'tombstone-commit',
  'commitmeta',
  'payload-link',
  'file-xattrs',
  'file-xattrs-link',
]);

const CHECKSUM_RE = /^[0-9a-f]{64}$/;

/** True for a full lowercase SHA-256 hex checksum, the only form ostree uses in paths and refs. */
export function isChecksum(value: string): boolean {
  return CHECKSUM_RE.test(value);
}

export function assertChecksum(value: string): void {
  if (!isChecksum(value)) {
    throw new InvalidArgumentError(`invalid checksum: ${JSON.stringify(value.slice(0, 80))}`, {
      data: { checksum: value.slice(0, 80) },
    });
  }
}

export function isObjectType(value: string): value is ObjectType {
  return OBJECT_TYPES.has(value);
}

/**
 * The path of a loose object relative to the repository root:
 * `objects/<hex[0:2]>/<hex[2:]>.<type>`; content objects of archive repositories end in `.filez`
 * (ostree-core.c `_ostree_get_relative_object_path`).
 */
export function looseObjectPath(checksum: string, type: ObjectType, archive = false): string {
  assertChecksum(checksum);
  const suffix = type === 'file' && archive ? 'filez' : type;
  return `objects/${checksum.slice(0, 2)}/${checksum.slice(2)}.${suffix}`;
}
