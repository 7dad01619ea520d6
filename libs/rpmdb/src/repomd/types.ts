/** Typed records of rpm-md repository metadata (repomd.xml, primary.xml, filelists.xml, other.xml). */

/** A checksum algorithm as rpm-md names it; `sha` is an old alias of `sha1`. */
export type RpmMdChecksumType = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export interface RpmMdChecksum {
  type: RpmMdChecksumType;
  /** Lower-case hex digest. */
  value: string;
}

export interface RpmMdLocation {
  /** Path relative to the repository root (checked: no `..`, not absolute, no URL scheme). */
  href: string;
  /** `xml:base`, when the file lives elsewhere (a URL or path prefix). */
  base?: string;
}

/** One `<data>` entry of repomd.xml. */
export interface RepoMdData {
  /** `primary`, `filelists`, `other`, `primary_db`, `updateinfo`, `group`, `modules`, … */
  type: string;
  location: RpmMdLocation;
  /** Checksum of the file as stored (compressed). */
  checksum: RpmMdChecksum;
  /** Checksum of the decompressed content, when the file is compressed. */
  openChecksum?: RpmMdChecksum;
  /** zchunk header checksum, for `*_zck` entries. */
  headerChecksum?: RpmMdChecksum;
  timestamp?: number;
  size?: number;
  openSize?: number;
  headerSize?: number;
  databaseVersion?: number;
}

export interface RepoMd {
  revision?: string;
  tags: { content: string[]; repo: string[]; distro: { cpeid?: string; name: string }[] };
  data: RepoMdData[];
}

export type RpmMdDepFlags = 'EQ' | 'LT' | 'LE' | 'GT' | 'GE';

/** A dependency (`rpm:entry`); rich/boolean dependencies are kept as written in `name`. */
export interface RpmMdDependency {
  name: string;
  flags?: RpmMdDepFlags;
  epoch?: number;
  version?: string;
  release?: string;
  /** `pre="1"`: a `Requires(pre)`/`(post)`-style install-time requirement. */
  pre?: boolean;
}

export type RpmMdFileType = 'file' | 'dir' | 'ghost';

export interface RpmMdFile {
  path: string;
  type: RpmMdFileType;
}

export interface RpmMdDependencies {
  provides: RpmMdDependency[];
  requires: RpmMdDependency[];
  conflicts: RpmMdDependency[];
  obsoletes: RpmMdDependency[];
  recommends: RpmMdDependency[];
  suggests: RpmMdDependency[];
  supplements: RpmMdDependency[];
  enhances: RpmMdDependency[];
}

export const RPMMD_DEPENDENCY_KINDS: readonly (keyof RpmMdDependencies)[] = [
  'provides',
  'requires',
  'conflicts',
  'obsoletes',
  'recommends',
  'suggests',
  'supplements',
  'enhances',
];

export interface RpmMdNevra {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
}

/** One `<package>` of primary.xml. */
export interface RpmMdPackage extends RpmMdNevra, RpmMdDependencies {
  /** `type` attribute of `<package>` (always `rpm` in practice). */
  packageType: string;
  /** The package checksum; with `pkgid` it is the id that filelists and other refer to. */
  checksum: RpmMdChecksum & { pkgid: boolean };
  summary: string;
  description: string;
  packager: string;
  url: string;
  time: { file: number; build: number };
  size: { package: number; installed: number; archive: number };
  location: RpmMdLocation;
  license: string;
  vendor: string;
  group: string;
  buildhost: string;
  sourcerpm: string;
  /** Byte range of the main header inside the RPM file. */
  headerRange: { start: number; end: number };
  /** The "primary" file subset (`/etc/*`, `*bin/*`, …); the full list is in filelists. */
  files: RpmMdFile[];
}

/** One `<package>` of filelists.xml. */
export interface RpmMdFilelistsPackage extends RpmMdNevra {
  pkgid: string;
  files: RpmMdFile[];
}

export interface RpmMdChangelog {
  author: string;
  /** Seconds since the epoch. */
  date: number;
  text: string;
}

/** One `<package>` of other.xml. */
export interface RpmMdOtherPackage extends RpmMdNevra {
  pkgid: string;
  changelogs: RpmMdChangelog[];
}
