import { ParseError } from '@tsostree/errors';
import { Variant, parseGVariant, serializeGVariant, vardictLookup, type GVariantValue } from '@tsostree/objstore';

/**
 * The content of `/run/ostree/staged-deployment` as ostree writes it (ostree-sysroot-deploy.c,
 * `ostree_sysroot_stage_tree_with_options`): an `a{sv}` with
 * `target` (`a{sv}`: `osname`, `csum`, `bootcsum`, `bootserial` i, `deployserial` i),
 * `kargs` (`as`), `overlay-initrds` (`as`, optional) and `locked` (`b`, optional).
 * The origin is not in it: it is read from the deployment's `.origin` file.
 */
export interface StagedDeploymentRecord {
  stateroot: string;
  checksum: string;
  serial: number;
  bootcsum: string;
  bootserial: number;
  kargs: string[];
  overlayInitrds?: string[];
  locked?: boolean;
}

type Dict = [string, Variant][];

function str(dict: Dict, key: string, where: string): string {
  const v = vardictLookup(dict, key);
  if (!v || v.type !== 's') throw new ParseError(`staged deployment: ${where}${key} missing or not a string`, { offset: 0 });
  return v.value as string;
}

function int(dict: Dict, key: string, where: string): number {
  const v = vardictLookup(dict, key);
  if (!v) return -1;
  if (v.type !== 'i') throw new ParseError(`staged deployment: ${where}${key} is not an int32`, { offset: 0 });
  return v.value as number;
}

function strv(dict: Dict, key: string): string[] | undefined {
  const v = vardictLookup(dict, key);
  if (!v) return undefined;
  if (v.type !== 'as') throw new ParseError(`staged deployment: ${key} is not a string array`, { offset: 0 });
  return v.value as string[];
}

export function parseStagedDeployment(bytes: Uint8Array): StagedDeploymentRecord {
  let dict: Dict;
  try {
    dict = parseGVariant('a{sv}', bytes) as Dict;
  } catch (error) {
    throw new ParseError('staged deployment: not a valid a{sv} GVariant', { offset: 0, cause: error });
  }
  const target = vardictLookup(dict, 'target');
  if (!target || target.type !== 'a{sv}') throw new ParseError('staged deployment: no target', { offset: 0 });
  const t = target.value as Dict;
  const rec: StagedDeploymentRecord = {
    stateroot: str(t, 'osname', 'target.'),
    checksum: str(t, 'csum', 'target.'),
    serial: int(t, 'deployserial', 'target.'),
    bootcsum: str(t, 'bootcsum', 'target.'),
    bootserial: int(t, 'bootserial', 'target.'),
    kargs: strv(dict, 'kargs') ?? [],
  };
  const overlays = strv(dict, 'overlay-initrds');
  if (overlays) rec.overlayInitrds = overlays;
  const locked = vardictLookup(dict, 'locked');
  if (locked) {
    if (locked.type !== 'b') throw new ParseError('staged deployment: locked is not a boolean', { offset: 0 });
    rec.locked = locked.value as boolean;
  }
  if (!/^[0-9a-f]{64}$/.test(rec.checksum) || !/^[0-9a-f]{64}$/.test(rec.bootcsum) || rec.serial < 0) {
    throw new ParseError('staged deployment: invalid checksum or serial', { offset: 0 });
  }
  return rec;
}

export function serializeStagedDeployment(rec: StagedDeploymentRecord): Uint8Array {
  const target: Dict = [
    ['osname', new Variant('s', rec.stateroot)],
    ['csum', new Variant('s', rec.checksum)],
    ['bootcsum', new Variant('s', rec.bootcsum)],
    ['bootserial', new Variant('i', rec.bootserial)],
    ['deployserial', new Variant('i', rec.serial)],
  ];
  const dict: Dict = [['target', new Variant('a{sv}', target as unknown as GVariantValue)]];
  dict.push(['kargs', new Variant('as', rec.kargs)]);
  if (rec.overlayInitrds && rec.overlayInitrds.length > 0) dict.push(['overlay-initrds', new Variant('as', rec.overlayInitrds)]);
  if (rec.locked) dict.push(['locked', new Variant('b', true)]);
  return serializeGVariant('a{sv}', dict as unknown as GVariantValue);
}
