/**
 * What a package manager reads out of a main header: NEVRA, dependencies, files, scriptlets,
 * triggers, payload format. Pure functions over a parsed `Header`; inconsistent headers (arrays of
 * different lengths, directory indexes out of range) are `CorruptError`s.
 */
import { CorruptError } from '@tsostree/errors';
import { headerNumber, headerNumbers, headerString, headerStrings, type Header } from './header.js';
import { TAG } from './tags.js';

/** RPMSENSE_* dependency flag bits. */
export const DepFlag = {
  LESS: 1 << 1,
  GREATER: 1 << 2,
  EQUAL: 1 << 3,
  POSTTRANS: 1 << 5,
  PREREQ: 1 << 6,
  PRETRANS: 1 << 7,
  INTERP: 1 << 8,
  SCRIPT_PRE: 1 << 9,
  SCRIPT_POST: 1 << 10,
  SCRIPT_PREUN: 1 << 11,
  SCRIPT_POSTUN: 1 << 12,
  SCRIPT_VERIFY: 1 << 13,
  FIND_REQUIRES: 1 << 14,
  FIND_PROVIDES: 1 << 15,
  TRIGGERIN: 1 << 16,
  TRIGGERUN: 1 << 17,
  TRIGGERPOSTUN: 1 << 18,
  MISSINGOK: 1 << 19,
  RPMLIB: 1 << 24,
  TRIGGERPREIN: 1 << 25,
  KEYRING: 1 << 26,
  CONFIG: 1 << 28,
  META: 1 << 29,
} as const;

/** RPMFILE_* file flag bits. */
export const FileFlag = {
  CONFIG: 1 << 0,
  DOC: 1 << 1,
  ICON: 1 << 2,
  MISSINGOK: 1 << 3,
  NOREPLACE: 1 << 4,
  SPECFILE: 1 << 5,
  GHOST: 1 << 6,
  LICENSE: 1 << 7,
  README: 1 << 8,
  PUBKEY: 1 << 11,
  ARTIFACT: 1 << 12,
} as const;

/** OpenPGP hash algorithm numbers used by FILEDIGESTALGO and PAYLOADDIGESTALGO. */
export const DIGEST_ALGOS: Record<number, string> = { 1: 'md5', 2: 'sha1', 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224' };

export interface Nevra {
  name: string;
  /** Absent when the package has no EPOCH tag (rpm treats it as 0 when comparing). */
  epoch?: number;
  version: string;
  release: string;
  /** `src` or `nosrc` for source packages (which carry the build arch in ARCH, but no SOURCERPM). */
  arch: string;
}

function corrupt(message: string): never {
  throw new CorruptError(`rpm header: ${message}`);
}

function requireString(h: Header, tag: number, name: string): string {
  const s = headerString(h, tag);
  if (s === undefined) corrupt(`missing ${name}`);
  return s;
}

export function isSourcePackage(h: Header): boolean {
  return !h.entries.has(TAG.SOURCERPM);
}

export function packageNevra(h: Header): Nevra {
  const epoch = headerNumber(h, TAG.EPOCH);
  let arch = headerString(h, TAG.ARCH) ?? '';
  if (isSourcePackage(h)) arch = h.entries.has(TAG.NOSOURCE) || h.entries.has(TAG.NOPATCH) ? 'nosrc' : 'src';
  const nevra: Nevra = {
    name: requireString(h, TAG.NAME, 'NAME'),
    version: requireString(h, TAG.VERSION, 'VERSION'),
    release: requireString(h, TAG.RELEASE, 'RELEASE'),
    arch,
  };
  if (epoch !== undefined) nevra.epoch = epoch;
  return nevra;
}

/** `name-[epoch:]version-release.arch`, as `rpm -q --qf '%{NEVRA}'` prints it. */
export function formatNevra(n: Nevra): string {
  return `${n.name}-${n.epoch !== undefined ? `${n.epoch}:` : ''}${n.version}-${n.release}.${n.arch}`;
}

export type DependencyKind = 'provides' | 'requires' | 'conflicts' | 'obsoletes' | 'recommends' | 'suggests' | 'supplements' | 'enhances' | 'order';

const DEP_TAGS: Record<DependencyKind, [number, number, number]> = {
  provides: [TAG.PROVIDENAME, TAG.PROVIDEFLAGS, TAG.PROVIDEVERSION],
  requires: [TAG.REQUIRENAME, TAG.REQUIREFLAGS, TAG.REQUIREVERSION],
  conflicts: [TAG.CONFLICTNAME, TAG.CONFLICTFLAGS, TAG.CONFLICTVERSION],
  obsoletes: [TAG.OBSOLETENAME, TAG.OBSOLETEFLAGS, TAG.OBSOLETEVERSION],
  recommends: [TAG.RECOMMENDNAME, TAG.RECOMMENDFLAGS, TAG.RECOMMENDVERSION],
  suggests: [TAG.SUGGESTNAME, TAG.SUGGESTFLAGS, TAG.SUGGESTVERSION],
  supplements: [TAG.SUPPLEMENTNAME, TAG.SUPPLEMENTFLAGS, TAG.SUPPLEMENTVERSION],
  enhances: [TAG.ENHANCENAME, TAG.ENHANCEFLAGS, TAG.ENHANCEVERSION],
  order: [TAG.ORDERNAME, TAG.ORDERFLAGS, TAG.ORDERVERSION],
};
export const DEPENDENCY_KINDS = Object.keys(DEP_TAGS) as DependencyKind[];

export interface Dependency {
  /** The name, or a whole rich/boolean expression such as `(foo or bar)`, kept as written. */
  name: string;
  /** `<`, `<=`, `=`, `>=`, `>` or `''` when unversioned. */
  comparison: '' | '<' | '<=' | '=' | '>=' | '>';
  /** The EVR as written (`[epoch:]version[-release]`), `''` when unversioned. */
  evr: string;
  /** The raw RPMSENSE_* flags. */
  flags: number;
  /** True for rich (boolean) dependencies. */
  rich: boolean;
}

export function senseComparison(flags: number): Dependency['comparison'] {
  const l = flags & DepFlag.LESS;
  const g = flags & DepFlag.GREATER;
  const e = flags & DepFlag.EQUAL;
  if (l && e) return '<=';
  if (g && e) return '>=';
  if (l) return '<';
  if (g) return '>';
  if (e) return '=';
  return '';
}

/** `name [op evr]`, as rpm prints a dependency (`rpm -qp --provides`). */
export function formatDependency(d: Dependency): string {
  return d.comparison ? `${d.name} ${d.comparison} ${d.evr}` : d.name;
}

function parallel(h: Header, names: number, others: Array<[number, string]>, what: string): void {
  const n = headerStrings(h, names)?.length ?? 0;
  for (const [tag, label] of others) {
    const e = h.entries.get(tag);
    if (e && e.count !== n) corrupt(`${what}: ${label} has ${e.count} entries for ${n} names`);
  }
}

export function packageDependencies(h: Header, kind: DependencyKind): Dependency[] {
  const [nameTag, flagsTag, versionTag] = DEP_TAGS[kind];
  const names = headerStrings(h, nameTag) ?? [];
  parallel(h, nameTag, [[flagsTag, 'flags'], [versionTag, 'versions']], kind);
  const flags = headerNumbers(h, flagsTag) ?? [];
  const versions = headerStrings(h, versionTag) ?? [];
  return names.map((name, i) => {
    const f = flags[i] ?? 0;
    const evr = versions[i] ?? '';
    return { name, comparison: evr ? senseComparison(f) : '', evr, flags: f, rich: name.startsWith('('), };
  });
}

export interface RpmFileEntry {
  /** Absolute path as installed (`/usr/bin/foo`). */
  path: string;
  size: number;
  /** st_mode: type and permission bits. */
  mode: number;
  user: string;
  group: string;
  mtime: number;
  /** Lower-case hex digest of regular files' contents, `''` for others. */
  digest: string;
  /** The symlink target, `''` for non-symlinks. */
  linkTo: string;
  /** RPMFILE_* bits. */
  flags: number;
  config: boolean;
  noreplace: boolean;
  ghost: boolean;
  doc: boolean;
  license: boolean;
  missingok: boolean;
  /** Device and inode numbers as recorded at build time: files sharing both are hardlinks. */
  device: number;
  inode: number;
  rdev: number;
  /** The file capabilities as text (`cap_net_raw=ep`), `''` when none. */
  caps: string;
  lang: string;
  verifyFlags: number;
  color: number;
  /** The file's class as rpm reports it (libmagic's description at build time, from CLASSDICT). */
  fileClass: string;
}

export function fileDigestAlgo(h: Header): string {
  const algo = headerNumber(h, TAG.FILEDIGESTALGO) ?? 1;
  const name = DIGEST_ALGOS[algo];
  if (!name) corrupt(`unknown file digest algorithm ${algo}`);
  return name;
}

/**
 * File lists already decoded, per header object: a compose asks for a package's files five times (install
 * states, extraction, payload matching, owners, post-processing). The entries are frozen and shared; each call
 * gets its own array.
 */
const decodedFiles = new WeakMap<Header, readonly RpmFileEntry[]>();

/** The file list, from BASENAMES/DIRNAMES/DIRINDEXES (or the legacy OLDFILENAMES). */
export function packageFiles(h: Header): RpmFileEntry[] {
  let files = decodedFiles.get(h);
  if (!files) {
    files = decodeFiles(h).map((f) => Object.freeze(f));
    decodedFiles.set(h, files);
  }
  return files.slice();
}

function decodeFiles(h: Header): RpmFileEntry[] {
  let paths: string[];
  const basenames = headerStrings(h, TAG.BASENAMES);
  if (basenames) {
    const dirnames = headerStrings(h, TAG.DIRNAMES) ?? [];
    const dirindexes = headerNumbers(h, TAG.DIRINDEXES) ?? [];
    if (dirindexes.length !== basenames.length) corrupt(`DIRINDEXES has ${dirindexes.length} entries for ${basenames.length} files`);
    paths = basenames.map((b, i) => {
      const d = dirnames[dirindexes[i]!];
      if (d === undefined) corrupt(`file ${i} has directory index ${dirindexes[i]} out of range`);
      return d + b;
    });
  } else {
    paths = headerStrings(h, TAG.OLDFILENAMES) ?? [];
  }
  const n = paths.length;
  if (n === 0) return [];
  const sizes = headerNumbers(h, TAG.LONGFILESIZES) ?? headerNumbers(h, TAG.FILESIZES);
  const check = <T>(arr: T[] | undefined, label: string, fill: T): T[] => {
    if (arr === undefined) return new Array<T>(n).fill(fill);
    if (arr.length !== n) corrupt(`${label} has ${arr.length} entries for ${n} files`);
    return arr;
  };
  const size = check(sizes, 'FILESIZES', 0);
  const modes = check(headerNumbers(h, TAG.FILEMODES), 'FILEMODES', 0);
  const users = check(headerStrings(h, TAG.FILEUSERNAME), 'FILEUSERNAME', 'root');
  const groups = check(headerStrings(h, TAG.FILEGROUPNAME), 'FILEGROUPNAME', 'root');
  const mtimes = check(headerNumbers(h, TAG.FILEMTIMES), 'FILEMTIMES', 0);
  const digests = check(headerStrings(h, TAG.FILEDIGESTS), 'FILEDIGESTS', '');
  const links = check(headerStrings(h, TAG.FILELINKTOS), 'FILELINKTOS', '');
  const flags = check(headerNumbers(h, TAG.FILEFLAGS), 'FILEFLAGS', 0);
  const devices = check(headerNumbers(h, TAG.FILEDEVICES), 'FILEDEVICES', 0);
  const inodes = check(headerNumbers(h, TAG.FILEINODES), 'FILEINODES', 0);
  const rdevs = check(headerNumbers(h, TAG.FILERDEVS), 'FILERDEVS', 0);
  const caps = check(headerStrings(h, TAG.FILECAPS), 'FILECAPS', '');
  const langs = check(headerStrings(h, TAG.FILELANGS), 'FILELANGS', '');
  const verify = check(headerNumbers(h, TAG.FILEVERIFYFLAGS), 'FILEVERIFYFLAGS', 0);
  const colors = check(headerNumbers(h, TAG.FILECOLORS), 'FILECOLORS', 0);
  const classes = check(headerNumbers(h, TAG.FILECLASS), 'FILECLASS', -1);
  const classDict = headerStrings(h, TAG.CLASSDICT) ?? [];
  return paths.map((path, i) => {
    const f = flags[i]!;
    return {
      path,
      size: size[i]!,
      mode: modes[i]!,
      user: users[i]!,
      group: groups[i]!,
      mtime: mtimes[i]!,
      digest: digests[i]!,
      linkTo: links[i]!,
      flags: f,
      config: (f & FileFlag.CONFIG) !== 0,
      noreplace: (f & FileFlag.NOREPLACE) !== 0,
      ghost: (f & FileFlag.GHOST) !== 0,
      doc: (f & FileFlag.DOC) !== 0,
      license: (f & FileFlag.LICENSE) !== 0,
      missingok: (f & FileFlag.MISSINGOK) !== 0,
      device: devices[i]!,
      inode: inodes[i]!,
      rdev: rdevs[i]!,
      caps: caps[i]!,
      lang: langs[i]!,
      verifyFlags: verify[i]!,
      color: colors[i]!,
      fileClass: fileClass(classes[i]!, classDict, modes[i]!, links[i]!, i),
    };
  });
}

function fileClass(index: number, dict: string[], mode: number, linkTo: string, i: number): string {
  if (index < 0) return '';
  const c = dict[index];
  if (c === undefined) corrupt(`file ${i} has class index ${index} out of range`);
  // rpm stores no class for symlinks and describes them from their target instead.
  if (c === '' && (mode & 0o170000) === 0o120000) return `symbolic link to \`${linkTo}'`;
  return c;
}

/** Groups of file indexes that are hardlinks of each other (same device and inode, regular files). */
export function hardlinkGroups(files: RpmFileEntry[]): number[][] {
  const groups = new Map<string, number[]>();
  files.forEach((f, i) => {
    if ((f.mode & 0o170000) !== 0o100000) return;
    const key = `${f.device}:${f.inode}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  return [...groups.values()].filter((g) => g.length > 1);
}

export type ScriptletKind = 'pretrans' | 'prein' | 'postin' | 'preun' | 'postun' | 'posttrans' | 'verify';

const SCRIPT_TAGS: Record<ScriptletKind, [number, number, number]> = {
  pretrans: [TAG.PRETRANS, TAG.PRETRANSPROG, TAG.PRETRANSFLAGS],
  prein: [TAG.PREIN, TAG.PREINPROG, TAG.PREINFLAGS],
  postin: [TAG.POSTIN, TAG.POSTINPROG, TAG.POSTINFLAGS],
  preun: [TAG.PREUN, TAG.PREUNPROG, TAG.PREUNFLAGS],
  postun: [TAG.POSTUN, TAG.POSTUNPROG, TAG.POSTUNFLAGS],
  posttrans: [TAG.POSTTRANS, TAG.POSTTRANSPROG, TAG.POSTTRANSFLAGS],
  verify: [TAG.VERIFYSCRIPT, TAG.VERIFYSCRIPTPROG, TAG.VERIFYSCRIPTFLAGS],
};

export interface Scriptlet {
  kind: ScriptletKind;
  /** Interpreter and its arguments (`['/bin/sh']`, `['<lua>']`). */
  interpreter: string[];
  /** The script body, `''` when only an interpreter is given (`%post -p /sbin/ldconfig`). */
  body: string;
  flags: number;
  lua: boolean;
}

export function packageScriptlets(h: Header): Scriptlet[] {
  const out: Scriptlet[] = [];
  for (const kind of Object.keys(SCRIPT_TAGS) as ScriptletKind[]) {
    const [bodyTag, progTag, flagsTag] = SCRIPT_TAGS[kind];
    const body = headerString(h, bodyTag);
    const prog = headerStrings(h, progTag);
    if (body === undefined && prog === undefined) continue;
    const interpreter = prog ?? ['/bin/sh'];
    out.push({ kind, interpreter, body: body ?? '', flags: headerNumber(h, flagsTag) ?? 0, lua: interpreter[0] === '<lua>' });
  }
  return out;
}

export type TriggerKind = 'triggerprein' | 'triggerin' | 'triggerun' | 'triggerpostun';

export interface Trigger {
  kind: TriggerKind;
  interpreter: string;
  body: string;
  lua: boolean;
  /** The packages (with optional version conditions) that fire this trigger. */
  conditions: Dependency[];
}

function triggerKind(flags: number): TriggerKind {
  if (flags & DepFlag.TRIGGERPREIN) return 'triggerprein';
  if (flags & DepFlag.TRIGGERIN) return 'triggerin';
  if (flags & DepFlag.TRIGGERUN) return 'triggerun';
  if (flags & DepFlag.TRIGGERPOSTUN) return 'triggerpostun';
  corrupt(`trigger with flags ${flags} has no trigger type`);
}

/** Package triggers (`%triggerin -- foo`), one per script, with their conditions. */
export function packageTriggers(h: Header): Trigger[] {
  const scripts = headerStrings(h, TAG.TRIGGERSCRIPTS);
  if (!scripts) return [];
  const progs = headerStrings(h, TAG.TRIGGERSCRIPTPROG) ?? [];
  const names = headerStrings(h, TAG.TRIGGERNAME) ?? [];
  parallel(h, TAG.TRIGGERNAME, [[TAG.TRIGGERFLAGS, 'TRIGGERFLAGS'], [TAG.TRIGGERVERSION, 'TRIGGERVERSION'], [TAG.TRIGGERINDEX, 'TRIGGERINDEX']], 'triggers');
  const flags = headerNumbers(h, TAG.TRIGGERFLAGS) ?? [];
  const versions = headerStrings(h, TAG.TRIGGERVERSION) ?? [];
  const index = headerNumbers(h, TAG.TRIGGERINDEX) ?? [];
  const triggers: Trigger[] = scripts.map((body, i) => {
    const interpreter = progs[i] ?? '/bin/sh';
    return { kind: 'triggerin', interpreter, body, lua: interpreter === '<lua>', conditions: [] };
  });
  names.forEach((name, i) => {
    const t = triggers[index[i]!];
    if (!t) corrupt(`trigger condition ${i} points at script ${index[i]} of ${scripts.length}`);
    const f = flags[i]!;
    t.kind = triggerKind(f);
    const evr = versions[i] ?? '';
    t.conditions.push({ name, comparison: evr ? senseComparison(f) : '', evr, flags: f, rich: name.startsWith('(') });
  });
  return triggers;
}

export type FileTriggerKind =
  | 'filetriggerin'
  | 'filetriggerun'
  | 'filetriggerpostun'
  | 'transfiletriggerin'
  | 'transfiletriggerun'
  | 'transfiletriggerpostun';

export interface FileTrigger {
  kind: FileTriggerKind;
  interpreter: string;
  body: string;
  lua: boolean;
  /** Lower runs first (rpm's default is 1,000,000). */
  priority: number;
  /** Path prefixes that fire the trigger. */
  paths: string[];
}

const FILE_TRIGGER_TAGS = {
  file: [TAG.FILETRIGGERSCRIPTS, TAG.FILETRIGGERSCRIPTPROG, TAG.FILETRIGGERNAME, TAG.FILETRIGGERINDEX, TAG.FILETRIGGERFLAGS, TAG.FILETRIGGERPRIORITIES],
  transfile: [
    TAG.TRANSFILETRIGGERSCRIPTS,
    TAG.TRANSFILETRIGGERSCRIPTPROG,
    TAG.TRANSFILETRIGGERNAME,
    TAG.TRANSFILETRIGGERINDEX,
    TAG.TRANSFILETRIGGERFLAGS,
    TAG.TRANSFILETRIGGERPRIORITIES,
  ],
} as const;

/** File triggers (`%filetriggerin -- /usr/lib`) and transaction file triggers, in rpm's order. */
export function packageFileTriggers(h: Header): FileTrigger[] {
  const out: FileTrigger[] = [];
  for (const prefix of ['file', 'transfile'] as const) {
    const [scriptsTag, progTag, nameTag, indexTag, flagsTag, prioTag] = FILE_TRIGGER_TAGS[prefix];
    const scripts = headerStrings(h, scriptsTag);
    if (!scripts) continue;
    const progs = headerStrings(h, progTag) ?? [];
    const prios = headerNumbers(h, prioTag) ?? [];
    const names = headerStrings(h, nameTag) ?? [];
    parallel(h, nameTag, [[indexTag, 'index'], [flagsTag, 'flags']], `${prefix} triggers`);
    const index = headerNumbers(h, indexTag) ?? [];
    const flags = headerNumbers(h, flagsTag) ?? [];
    const triggers: FileTrigger[] = scripts.map((body, i) => {
      const interpreter = progs[i] ?? '/bin/sh';
      return { kind: `${prefix}triggerin`, interpreter, body, lua: interpreter === '<lua>', priority: prios[i] ?? 1_000_000, paths: [] };
    });
    names.forEach((name, i) => {
      const t = triggers[index[i]!];
      if (!t) corrupt(`${prefix} trigger condition ${i} points at script ${index[i]} of ${scripts.length}`);
      const k = triggerKind(flags[i]!);
      if (k === 'triggerprein') corrupt(`${prefix} trigger ${i} has the prein type`);
      t.kind = `${prefix}${k}` as FileTriggerKind;
      t.paths.push(name);
    });
    out.push(...triggers);
  }
  return out;
}

export interface PayloadInfo {
  /** `cpio` (rpm also writes `drpm` for delta payloads). */
  format: string;
  /**
   * PAYLOADCOMPRESSOR as written: `gzip`, `xz`, `lzma`, `zstd`, `bzip2`, or `''` when absent (rpm then
   * reads the payload as gzip, which zlib passes through when it is not compressed — what
   * rpmbuild's `w0.ufdio` produces).
   */
  compressor: string;
  /** The compression level as rpm records it (`9`, `19`…), `''` when absent. */
  flags: string;
  /** Hex digest of the compressed payload (PAYLOADDIGEST) and of the uncompressed one (PAYLOADDIGESTALT). */
  digest?: string;
  digestAlt?: string;
  digestAlgo: string;
  /** Whether the payload uses rpm's stripped cpio format (files over 4 GiB: the rpmlib(LargeFiles) case). */
  large: boolean;
}

export function payloadInfo(h: Header): PayloadInfo {
  const algo = headerNumber(h, TAG.PAYLOADDIGESTALGO) ?? 8;
  const digestAlgo = DIGEST_ALGOS[algo];
  if (!digestAlgo) corrupt(`unknown payload digest algorithm ${algo}`);
  const info: PayloadInfo = {
    format: headerString(h, TAG.PAYLOADFORMAT) ?? 'cpio',
    compressor: headerString(h, TAG.PAYLOADCOMPRESSOR) ?? '',
    flags: headerString(h, TAG.PAYLOADFLAGS) ?? '',
    digestAlgo,
    large: h.entries.has(TAG.LONGFILESIZES),
  };
  const d = headerStrings(h, TAG.PAYLOADDIGEST)?.[0];
  if (d) info.digest = d;
  const alt = headerStrings(h, TAG.PAYLOADDIGESTALT)?.[0];
  if (alt) info.digestAlt = alt;
  return info;
}

/** The commonly used scalar fields, for display and repository metadata. */
export interface PackageSummary extends Nevra {
  summary: string;
  description: string;
  license: string;
  group: string;
  url: string;
  vendor: string;
  packager: string;
  buildHost: string;
  buildTime: number;
  sourceRpm: string;
  /** Installed size in bytes (LONGSIZE or SIZE). */
  size: number;
}

export function packageSummary(h: Header): PackageSummary {
  return {
    ...packageNevra(h),
    summary: headerString(h, TAG.SUMMARY) ?? '',
    description: headerString(h, TAG.DESCRIPTION) ?? '',
    license: headerString(h, TAG.LICENSE) ?? '',
    group: headerString(h, TAG.GROUP) ?? '',
    url: headerString(h, TAG.URL) ?? '',
    vendor: headerString(h, TAG.VENDOR) ?? '',
    packager: headerString(h, TAG.PACKAGER) ?? '',
    buildHost: headerString(h, TAG.BUILDHOST) ?? '',
    buildTime: headerNumber(h, TAG.BUILDTIME) ?? 0,
    sourceRpm: headerString(h, TAG.SOURCERPM) ?? '',
    size: headerNumber(h, TAG.LONGSIZE) ?? headerNumber(h, TAG.SIZE) ?? 0,
  };
}
