/**
 * The merged, validated treefile: rpm-ostree's keys, spelled as in the YAML/JSON (kebab-case),
 * after `include`/`arch-include`/`conditional-include` merging, `packages-<basearch>` folding and
 * `${variable}` substitution. Lists and maps are always present (empty when unset); booleans and
 * enums carry rpm-ostree's defaults; strings without a default stay optional.
 */

/** A `variables` value (rpm-ostree's VarValue: bool, unsigned number or string). */
export type VarValue = string | number | boolean;

/** Any JSON value (`add-commit-metadata`, `metadata`). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type BootLocation = 'new' | 'modules' | 'kernel-install';
export type RpmdbBackend = 'bdb' | 'sqlite' | 'ndb' | 'target' | 'host';
export type OptUsrLocal = 'var' | 'root' | 'state-overlay';
export type RepoMetadataTarget = 'inline' | 'detached' | 'disabled';

/** `check-passwd` / `check-groups`. `entries` only for `data` (name → id, or [uid, gid] for users). */
export type CheckPasswd =
  | { type: 'none' }
  | { type: 'previous' }
  | { type: 'file'; filename: string }
  | { type: 'data'; entries: Record<string, number | [number] | [number, number]> };

export interface RepoPackages {
  repo: string;
  packages: string[];
}

export interface Treefile {
  ref?: string;
  /** The architecture the treefile was evaluated for (`${basearch}`). */
  basearch: string;
  edition: '2014' | '2024';
  releasever?: string | number;
  /** Merged `variables`, including the automatic `basearch` and `releasever`. */
  variables: Record<string, VarValue>;
  repovars: Record<string, string>;
  repos: string[];
  'lockfile-repos': string[];
  /** Sorted and unique (rpm-ostree keeps a set), whitespace-split, with `packages-<basearch>` folded in. */
  packages: string[];
  'repo-packages': RepoPackages[];
  'exclude-packages': string[];
  'ostree-layers': string[];
  'ostree-override-layers': string[];
  recommends: boolean;
  documentation: boolean;
  /** Unset = every language (rpm's `%_install_langs all`). */
  'install-langs'?: string[];
  'initramfs-args': string[];
  'boot-location': BootLocation;
  'tmp-is-dir': boolean;
  'opt-usrlocal': OptUsrLocal;
  units: string[];
  'default-target'?: string;
  'machineid-compat': boolean;
  selinux: boolean;
  'selinux-label-version'?: number;
  'ignore-devices': boolean;
  ima: boolean;
  container: boolean;
  'container-cmd': string[];
  'readonly-executables': boolean;
  'gpg-key'?: string;
  'automatic-version-prefix'?: string;
  'automatic-version-suffix'?: string;
  'mutate-os-release'?: string;
  'etc-group-members': string[];
  'preserve-passwd': boolean;
  'check-passwd': CheckPasswd;
  'check-groups': CheckPasswd;
  'ignore-removed-users': string[];
  'ignore-removed-groups': string[];
  /** Path as written, relative to the treefile that named it (see `LoadedTreefile.externals`). */
  'postprocess-script'?: string;
  postprocess: string[];
  /** `[source relative to the treefile directory, destination in the tree]`. */
  'add-files': [string, string][];
  'remove-files': string[];
  /** Each entry: `[package, regex, regex…]`. */
  'remove-from-packages': string[][];
  'add-commit-metadata': Record<string, JsonValue>;
  metadata: Record<string, JsonValue>;
  'repo-metadata': RepoMetadataTarget;
  rpmdb: RpmdbBackend;
  'rpmdb-normalize': boolean;
  cliwrap: boolean;
  'cliwrap-binaries': string[];
  'platform-module'?: string;
}
