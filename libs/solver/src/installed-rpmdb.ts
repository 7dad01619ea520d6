import { withContext } from '@tsostree/errors';
import type { PackageInput, RepoInput } from './types.js';

export interface InstalledFromRpmdbOptions {
  /** Repo name for the installed set (default `@System`). */
  name?: string;
  /** Also list the files packages own, for file dependencies (default true). */
  files?: boolean;
}

/**
 * Reads the installed packages of an rpm database (the sqlite rpmdb of rpm 4.16+, in `dbpath`, e.g.
 * `<root>/var/lib/rpm`) through @tsostree/rpmdb and returns them as the solver's installed repo. Like libsolv's
 * own rpmdb reader it leaves out gpg-pubkey pseudo-packages and `rpmlib(...)` requirements, and writes the epoch
 * only when it is not 0.
 */
export async function installedFromRpmdb(dbpath: string, options: InstalledFromRpmdbOptions = {}): Promise<RepoInput> {
  const rpmdb = await import('@tsostree/rpmdb');
  let installed: Awaited<ReturnType<typeof rpmdb.readRpmdb>>;
  try {
    installed = await rpmdb.readRpmdb(dbpath);
  } catch (error) {
    throw withContext(`reading the rpm database in ${dbpath}`, error);
  }
  const packages: PackageInput[] = [];
  for (const { header } of installed) {
    const nevra = rpmdb.packageNevra(header);
    if (nevra.name === 'gpg-pubkey') continue;
    const deps = (kind: 'provides' | 'requires' | 'conflicts' | 'obsoletes' | 'recommends' | 'suggests' | 'supplements' | 'enhances') =>
      rpmdb
        .packageDependencies(header, kind)
        .filter((d) => !(kind === 'requires' && d.name.startsWith('rpmlib(')))
        .map((d) => rpmdb.formatDependency(d));
    const epoch = nevra.epoch ? `${nevra.epoch}:` : '';
    const buildtime = rpmdb.headerNumber(header, rpmdb.TAG.BUILDTIME);
    const vendor = rpmdb.headerString(header, rpmdb.TAG.VENDOR);
    packages.push({
      name: nevra.name,
      evr: `${epoch}${nevra.version}-${nevra.release}`,
      arch: nevra.arch,
      provides: deps('provides'),
      requires: deps('requires'),
      conflicts: deps('conflicts'),
      obsoletes: deps('obsoletes'),
      recommends: deps('recommends'),
      suggests: deps('suggests'),
      supplements: deps('supplements'),
      enhances: deps('enhances'),
      ...(buildtime === undefined ? {} : { buildtime }),
      ...(vendor ? { vendor } : {}),
      ...(options.files === false ? {} : { files: rpmdb.packageFiles(header).map((f) => f.path) }),
    });
  }
  return { name: options.name ?? '@System', metadata: { type: 'packages', packages } };
}
