/**
 * rpm-ostree's treefile keys (rust/src/treefile.rs `BaseComposeConfigFields` / `TreeComposeConfig`),
 * each with its value type and its include-merge rule:
 * - `basic`: scalars and whole values; the including file wins, then the earlier include;
 * - `vec`: lists are concatenated, included content first;
 * - `map`: like Python's `dict.update()`, the including file wins on duplicate keys;
 * - `set`: sorted union.
 */

export type ValueKind =
  | 'string'
  | 'bool'
  | 'u32'
  | 'strings'
  | 'include'
  | 'enum'
  | 'varmap'
  | 'stringmap'
  | 'jsonmap'
  | 'add-files'
  | 'string-lists'
  | 'check-passwd'
  | 'releasever'
  | 'arch-include'
  | 'conditional-include'
  | 'repo-packages'
  | 'packages';

export type MergeRule = 'basic' | 'vec' | 'map' | 'set' | 'special';

export interface KeySpec {
  kind: ValueKind;
  merge: MergeRule;
  /** Allowed values of an `enum` (aliases map to their canonical spelling). */
  values?: Readonly<Record<string, string>>;
}

const basic = (kind: ValueKind, values?: Record<string, string>): KeySpec => ({ kind, merge: 'basic', values });
const vec = (kind: ValueKind): KeySpec => ({ kind, merge: 'vec' });

export const TREEFILE_KEYS: Readonly<Record<string, KeySpec>> = {
  edition: basic('enum', { '2014': '2014', '2024': '2024' }),
  ref: basic('string'),
  basearch: basic('string'),
  metadata: { kind: 'jsonmap', merge: 'map' },
  variables: { kind: 'varmap', merge: 'special' },
  repovars: { kind: 'stringmap', merge: 'map' },
  repos: vec('strings'),
  'lockfile-repos': vec('strings'),
  selinux: basic('bool'),
  'selinux-label-version': basic('u32'),
  'ignore-devices': basic('bool'),
  ima: basic('bool'),
  'gpg-key': basic('string'),
  include: { kind: 'include', merge: 'special' },
  'arch-include': { kind: 'arch-include', merge: 'special' },
  'conditional-include': { kind: 'conditional-include', merge: 'special' },
  'bootstrap-packages': { kind: 'packages', merge: 'set' },
  packages: { kind: 'packages', merge: 'set' },
  'repo-packages': { kind: 'repo-packages', merge: 'special' },
  'ostree-layers': vec('strings'),
  'ostree-override-layers': vec('strings'),
  'exclude-packages': vec('strings'),
  'platform-module': basic('string'),
  container: basic('bool'),
  recommends: basic('bool'),
  documentation: basic('bool'),
  'install-langs': vec('strings'),
  'initramfs-args': vec('strings'),
  'readonly-executables': basic('bool'),
  'boot-location': basic('enum', { new: 'new', modules: 'modules', 'kernel-install': 'kernel-install' }),
  'tmp-is-dir': basic('bool'),
  'opt-usrlocal': basic('enum', { var: 'var', root: 'root', 'state-overlay': 'state-overlay', stateoverlay: 'state-overlay' }),
  units: vec('strings'),
  'default-target': basic('string'),
  'machineid-compat': basic('bool'),
  releasever: basic('releasever'),
  'automatic-version-prefix': basic('string'),
  'automatic-version-suffix': basic('string'),
  'mutate-os-release': basic('string'),
  'etc-group-members': vec('strings'),
  'preserve-passwd': basic('bool'),
  'check-passwd': basic('check-passwd'),
  'check-groups': basic('check-passwd'),
  'ignore-removed-users': { kind: 'strings', merge: 'set' },
  'ignore-removed-groups': { kind: 'strings', merge: 'set' },
  'postprocess-script': basic('string'),
  postprocess: vec('strings'),
  'add-files': vec('add-files'),
  'remove-files': vec('strings'),
  'remove-from-packages': vec('string-lists'),
  'add-commit-metadata': { kind: 'jsonmap', merge: 'map' },
  'repo-metadata': basic('enum', { inline: 'inline', detached: 'detached', disabled: 'disabled' }),
  rpmdb: basic('enum', { bdb: 'bdb', 'b-d-b': 'bdb', sqlite: 'sqlite', ndb: 'ndb', target: 'target', host: 'host' }),
  'rpmdb-normalize': basic('bool'),
  'container-cmd': basic('strings'),
  cliwrap: basic('bool'),
  'cliwrap-binaries': vec('strings'),
};

/** Old underscore spellings rpm-ostree still accepts (using both forms in one file is an error). */
export const LEGACY_KEYS: Readonly<Record<string, string>> = {
  gpg_key: 'gpg-key',
  boot_location: 'boot-location',
  default_target: 'default-target',
  automatic_version_prefix: 'automatic-version-prefix',
};

/** rpm-ostree's include depth limit. */
export const INCLUDE_MAX_DEPTH = 50;
