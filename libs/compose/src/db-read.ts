// The packages of a commit, the way `rpm-ostree db` finds them: the `rpmostree.rpmdb.pkglist` commit
// metadata when present (cheap: no tree access), otherwise the rpm database inside the tree
// (usr/share/rpm, then usr/lib/sysimage/rpm, then var/lib/rpm), read with @tsostree/rpmdb.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CorruptError, InvalidArgumentError, isTsostreeError, NotFoundError, withContext } from '@tsostree/errors';
import { catFile, loadCommit, resolveCommit, Variant, type Repo } from '@tsostree/objstore';
import { headerNumber, headerString, readRpmdb, TAG, RPMDB_SQLITE_FILE } from '@tsostree/rpmdb';
import { comparePackages, PKGLIST_KEY, PKGLIST_TYPE, pkglistFromRows, pkglistRows, sortPackages, type PackageEntry } from './format/pkglist.js';

export interface CommitPackages {
  checksum: string;
  packages: PackageEntry[];
  /** Where the list came from. */
  source: 'pkglist' | 'rpmdb';
}

const RPMDB_LOCATIONS = ['usr/share/rpm', 'usr/lib/sysimage/rpm', 'var/lib/rpm'];

/** The `rpmostree.rpmdb.pkglist` metadata value for a package set (what the compose commits). */
export function pkglistVariant(packages: readonly PackageEntry[]): Variant {
  return new Variant(PKGLIST_TYPE, pkglistRows(packages));
}

/** Package entries of installed headers (from an rpmdb or package files). */
export function packageEntriesFromHeaders(headers: Iterable<Parameters<typeof headerString>[0]>): PackageEntry[] {
  const out: PackageEntry[] = [];
  for (const h of headers) {
    const name = headerString(h, TAG.NAME);
    // gpg-pubkey pseudo packages live in the rpmdb but are not packages of the tree
    if (name === undefined || name === 'gpg-pubkey') continue;
    out.push({
      name,
      epoch: headerNumber(h, TAG.EPOCH) ?? 0,
      version: headerString(h, TAG.VERSION) ?? '',
      release: headerString(h, TAG.RELEASE) ?? '',
      arch: headerString(h, TAG.ARCH) ?? '',
    });
  }
  return sortPackages(out);
}

/** Reads the package list of a commit (`rev`: checksum, prefix, ref, `REF^`). */
export async function readCommitPackages(repo: Repo, rev: string, options: { preferRpmdb?: boolean } = {}): Promise<CommitPackages> {
  const checksum = await resolveCommit(repo, rev);
  const commit = await loadCommit(repo, checksum);
  if (!options.preferRpmdb) {
    const entry = commit.metadata.find(([k]) => k === PKGLIST_KEY);
    if (entry) {
      const v = entry[1];
      if (v.type !== PKGLIST_TYPE) throw new CorruptError(`commit ${checksum}: ${PKGLIST_KEY} has type ${v.type}, expected ${PKGLIST_TYPE}`, { data: { checksum } });
      try {
        return { checksum, packages: sortPackages(pkglistFromRows(v.value)), source: 'pkglist' };
      } catch (err) {
        throw withContext(`commit ${checksum}`, err);
      }
    }
  }
  const scratch = await mkdtemp(join(tmpdir(), 'tsostree-rpmdb-'));
  try {
    for (const dir of RPMDB_LOCATIONS) {
      let stream;
      try {
        stream = await catFile(repo, checksum, `${dir}/${RPMDB_SQLITE_FILE}`);
      } catch (err) {
        // absent here, or a directory/symlink in its place: try the next location
        if (isTsostreeError(err, NotFoundError.code) || isTsostreeError(err, InvalidArgumentError.code)) continue;
        throw err;
      }
      await pipeline(stream, createWriteStream(join(scratch, RPMDB_SQLITE_FILE)));
      const installed = await readRpmdb(scratch);
      return { checksum, packages: packageEntriesFromHeaders(installed.map((p) => p.header)), source: 'rpmdb' };
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  throw new NotFoundError(`commit ${checksum} has no ${PKGLIST_KEY} metadata and no rpm database (looked in ${RPMDB_LOCATIONS.join(', ')})`, {
    data: { checksum },
  });
}

/**
 * `rpm-ostree db version`'s rpmdb version: `<count>:<sha256 hex>` over the concatenated `[epoch:]name-version-
 * release.arch` of the packages sorted by name (strcmp) then EVR (rpmostree-rpm-util.cxx rpmhdrs_rpmdbv).
 */
export function rpmdbVersion(packages: readonly PackageEntry[]): string {
  const h = createHash('sha256');
  const sorted = [...packages].sort((a, b) => comparePackages({ ...a, arch: '' }, { ...b, arch: '' }));
  for (const p of sorted) h.update(`${p.epoch ? `${p.epoch}:` : ''}${p.name}-${p.version}-${p.release}.${p.arch}`, 'utf8');
  return `${sorted.length}:${h.digest('hex')}`;
}
