/**
 * The header rpm stores in its database for an installed package (pure: no I/O).
 *
 * It is the package's main header with its immutable region kept byte for byte, plus, outside the region and in
 * tag order (rpm's "dribble" entries):
 * - the legacy signature tags merged from the signature header, as rpm does when it reads a package
 *   (SIZE → SIGSIZE, MD5 → SIGMD5, PGP → SIGPGP, GPG → SIGGPG, PAYLOADSIZE → ARCHIVESIZE, file/verity signatures to
 *   their header tags, and every signature tag numbered 256–999 (SHA1HEADER, SHA256HEADER, RSAHEADER, DSAHEADER,
 *   LONGSIGSIZE, LONGARCHIVESIZE) as is), unless the main header already has the tag;
 * - what the install adds: INSTALLTIME, INSTALLTID, INSTALLCOLOR, one FILESTATES byte per file, and INSTPREFIXES
 *   for a relocatable package.
 * Verified against headers the real rpm wrote into its sqlite database (rpmdb-sqlite.test.ts).
 */
import { InvalidArgumentError } from '@tsostree/errors';
import { makeEntry, type Header, type HeaderEntry } from '../format/header.js';
import { TAG, TagType } from '../format/tags.js';

/** rpm's file states (RPMFILE_STATE_*), as stored in FILESTATES. */
export const FileState = {
  NORMAL: 0,
  REPLACED: 1,
  NOT_INSTALLED: 2,
  NETSHARED: 3,
  WRONG_COLOR: 4,
  MISSING: 255,
} as const;

export interface InstallOptions {
  /** Seconds since the epoch (INSTALLTIME). */
  installTime: number;
  /** Transaction id (INSTALLTID); rpm uses the transaction's start time. Default: installTime. */
  installTid?: number;
  /** The transaction color (INSTALLCOLOR): 3 on x86_64/aarch64/ppc64le/s390x multilib hosts, else 0. Default 0. */
  installColor?: number;
  /** One state per file (FILESTATES); default all NORMAL. */
  fileStates?: number[];
}

const SIG_TO_HEADER: ReadonlyMap<number, number> = new Map([
  [1000, TAG.SIGSIZE], // SIZE
  [1002, TAG.SIGPGP], // PGP
  [1004, TAG.SIGMD5], // MD5
  [1005, TAG.SIGGPG], // GPG
  [1006, 263], // PGP5 → SIGPGP5
  [1007, TAG.ARCHIVESIZE], // PAYLOADSIZE
  [274, TAG.FILESIGNATURES], // FILESIGNATURES
  [275, TAG.FILESIGNATURELENGTH],
  [276, 5092], // VERITYSIGNATURES
  [277, 5093], // VERITYSIGNATUREALGO
]);

/** Maps a signature-header tag to the main-header tag rpm merges it as, or undefined if rpm drops it. */
export function mergedSignatureTag(sigTag: number): number | undefined {
  const mapped = SIG_TO_HEADER.get(sigTag);
  if (mapped !== undefined) return mapped;
  return sigTag >= 256 && sigTag < 1000 ? sigTag : undefined;
}

function fileCount(header: Header): number {
  const basenames = header.entries.get(TAG.BASENAMES);
  if (basenames && (basenames.value.type === TagType.STRING_ARRAY || basenames.value.type === TagType.I18NSTRING)) {
    return basenames.value.values.length;
  }
  return 0;
}

function int32(tag: number, value: number): HeaderEntry {
  return makeEntry(tag, { type: TagType.INT32, values: [value >>> 0] });
}

/** Builds the installed header from a package's signature and main headers. */
export function installedHeader(pkg: { signature: Header; header: Header }, options: InstallOptions): Header {
  const { header, signature } = pkg;
  if (!header.region) throw new InvalidArgumentError('the main header has no immutable region; it is not from a package');
  const entries = new Map<number, HeaderEntry>(header.entries);
  for (const [sigTag, entry] of signature.entries) {
    const tag = mergedSignatureTag(sigTag);
    if (tag === undefined || entries.has(tag)) continue;
    entries.set(tag, { ...entry, tag });
  }
  const files = fileCount(header);
  const states = options.fileStates ?? new Array<number>(files).fill(FileState.NORMAL);
  if (states.length !== files) {
    throw new InvalidArgumentError(`fileStates has ${states.length} entries, the package has ${files} files`);
  }
  entries.set(TAG.INSTALLTIME, int32(TAG.INSTALLTIME, options.installTime));
  entries.set(TAG.INSTALLTID, int32(TAG.INSTALLTID, options.installTid ?? options.installTime));
  entries.set(TAG.INSTALLCOLOR, int32(TAG.INSTALLCOLOR, options.installColor ?? 0));
  if (files > 0) entries.set(TAG.FILESTATES, makeEntry(TAG.FILESTATES, { type: TagType.CHAR, values: states }));
  const prefixes = header.entries.get(TAG.PREFIXES);
  if (prefixes && !entries.has(TAG.INSTPREFIXES)) entries.set(TAG.INSTPREFIXES, { ...prefixes, tag: TAG.INSTPREFIXES });
  return { ...header, entries };
}
