import { ParseError } from '@tsostree/errors';
import { Variant, parseGVariant, serializeGVariant, vardictLookup, type GVariantValue } from '@tsostree/objstore';
import { parseDeploymentName } from '../deployment-name.js';
import { isValidStateroot } from './bootlink.js';

/** A deployment as ostree serializes it for staging: `{name: '<csum>.<serial>', osname, bootcsum}`. */
export interface StagedDeploymentRef {
  stateroot: string;
  checksum: string;
  serial: number;
  bootcsum: string;
}

/**
 * The content of `/run/ostree/staged-deployment` as ostree writes it
 * (`ostree_sysroot_stage_tree_with_options`): an `a{sv}` with `target` (the staged deployment),
 * `locked` (`b`, only when true), `merge-deployment` (optional), `kargs` (`as`, only when the
 * kernel arguments were overridden) and `overlay-initrds` (`as`, optional), in that order.
 * The origin is not in it: it is the deployment's `.origin` file.
 */
export interface StagedDeploymentRecord {
  target: StagedDeploymentRef;
  merge?: StagedDeploymentRef;
  kargs?: string[];
  overlayInitrds?: string[];
  locked?: boolean;
}

type Dict = [string, Variant][];

function refFromVariant(v: Variant | undefined, what: string): StagedDeploymentRef {
  if (!v || v.type !== 'a{sv}') throw new ParseError(`staged deployment: ${what} missing or not a{sv}`, { offset: 0 });
  const dict = v.value as unknown as Dict;
  const str = (key: string): string => {
    const x = vardictLookup(dict, key);
    if (!x || x.type !== 's') throw new ParseError(`staged deployment: ${what}: Missing key: ${key}`, { offset: 0 });
    return x.value as string;
  };
  const name = str('name');
  const stateroot = str('osname');
  const bootcsum = str('bootcsum');
  const { checksum, serial } = parseDeploymentName(name);
  if (!isValidStateroot(stateroot)) throw new ParseError(`staged deployment: invalid osname ${JSON.stringify(stateroot)}`, { offset: 0 });
  if (!/^[0-9a-f]{64}$/.test(bootcsum)) throw new ParseError('staged deployment: invalid bootcsum', { offset: 0 });
  return { stateroot, checksum, serial, bootcsum };
}

function refToVariant(r: StagedDeploymentRef): Variant {
  const dict: Dict = [
    ['name', new Variant('s', `${r.checksum}.${r.serial}`)],
    ['osname', new Variant('s', r.stateroot)],
    ['bootcsum', new Variant('s', r.bootcsum)],
  ];
  return new Variant('a{sv}', dict as unknown as GVariantValue);
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
    dict = parseGVariant('a{sv}', bytes) as unknown as Dict;
  } catch (error) {
    throw new ParseError('staged deployment: not a valid a{sv} GVariant', { offset: 0, cause: error });
  }
  const rec: StagedDeploymentRecord = { target: refFromVariant(vardictLookup(dict, 'target'), 'target') };
  const merge = vardictLookup(dict, 'merge-deployment');
  if (merge) rec.merge = refFromVariant(merge, 'merge-deployment');
  const kargs = strv(dict, 'kargs');
  if (kargs) rec.kargs = kargs;
  const overlays = strv(dict, 'overlay-initrds');
  if (overlays) rec.overlayInitrds = overlays;
  const locked = vardictLookup(dict, 'locked');
  if (locked) {
    if (locked.type !== 'b') throw new ParseError('staged deployment: locked is not a boolean', { offset: 0 });
    rec.locked = locked.value as boolean;
  }
  return rec;
}

export function serializeStagedDeployment(rec: StagedDeploymentRecord): Uint8Array {
  const dict: Dict = [['target', refToVariant(rec.target)]];
  if (rec.locked) dict.push(['locked', new Variant('b', true)]);
  if (rec.merge) dict.push(['merge-deployment', refToVariant(rec.merge)]);
  if (rec.kargs) dict.push(['kargs', new Variant('as', rec.kargs)]);
  if (rec.overlayInitrds) dict.push(['overlay-initrds', new Variant('as', rec.overlayInitrds)]);
  return serializeGVariant('a{sv}', dict as unknown as GVariantValue);
}
