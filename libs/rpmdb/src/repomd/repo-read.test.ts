import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_VARIANTS, rpmMdFixtures, sqliteRows, type RpmMdFixtures } from '../../test/rpmmd-fixtures.js';
import { readFilelists, readOther, readPrimary, readRepoMd, streamRepoData } from './repo-read.js';
import { RPMMD_DEPENDENCY_KINDS, type RpmMdFilelistsPackage, type RpmMdOtherPackage, type RpmMdPackage } from './types.js';

let fx: RpmMdFixtures;
beforeAll(() => {
  fx = rpmMdFixtures();
}, 120_000);

async function all<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

const byName = <T extends { name: string }>(a: T, b: T): number => a.name.localeCompare(b.name);

/** createrepo_c's primary.sqlite, rebuilt into our record shape: an independent reading of the same packages. */
function referencePrimary(): Map<string, Record<string, unknown>> {
  const db = fx.sqlite.primary;
  const out = new Map<string, Record<string, unknown>>();
  for (const row of sqliteRows(db, 'SELECT * FROM packages')) {
    const key = row.pkgKey as number;
    const deps = Object.fromEntries(
      RPMMD_DEPENDENCY_KINDS.map((kind) => [
        kind,
        sqliteRows(db, `SELECT * FROM ${kind} WHERE pkgKey = ${key} ORDER BY rowid`).map((d) => {
          const dep: Record<string, unknown> = { name: d.name };
          if (d.flags) dep.flags = d.flags;
          if (d.epoch !== null) dep.epoch = Number(d.epoch);
          if (d.version !== null) dep.version = d.version;
          if (d.release !== null) dep.release = d.release;
          if (kind === 'requires' && (d.pre === 'TRUE' || d.pre === 1)) dep.pre = true;
          return dep;
        }),
      ]),
    );
    out.set(row.name as string, {
      name: row.name,
      arch: row.arch,
      epoch: Number(row.epoch),
      version: row.version,
      release: row.release,
      checksum: { type: row.checksum_type, value: row.pkgId, pkgid: true },
      summary: row.summary,
      description: row.description,
      packager: row.rpm_packager ?? '',
      url: row.url ?? '',
      time: { file: row.time_file, build: row.time_build },
      size: { package: row.size_package, installed: row.size_installed, archive: row.size_archive },
      location: { href: row.location_href },
      license: row.rpm_license,
      vendor: row.rpm_vendor ?? '',
      group: row.rpm_group,
      buildhost: row.rpm_buildhost,
      sourcerpm: row.rpm_sourcerpm,
      headerRange: { start: row.rpm_header_start, end: row.rpm_header_end },
      files: sqliteRows(db, `SELECT * FROM files WHERE pkgKey = ${key} ORDER BY rowid`).map((f) => ({
        path: f.name,
        type: f.type,
      })),
      ...deps,
    });
  }
  return out;
}

describe('readRepoMd', () => {
  it('parses createrepo_c repomd.xml with checksums, open checksums, sizes and locations', async () => {
    const repomd = await readRepoMd(fx.repos.xz);
    expect(repomd.revision).toBe('1700000000');
    expect(repomd.data.map((d) => d.type).sort()).toEqual(['filelists', 'other', 'primary']);
    const primary = repomd.data.find((d) => d.type === 'primary');
    expect(primary?.location.href).toMatch(/^repodata\/[0-9a-f]{64}-primary\.xml\.xz$/u);
    expect(primary?.checksum.type).toBe('sha256');
    expect(primary?.openChecksum?.value).toMatch(/^[0-9a-f]{64}$/u);
    expect(primary?.size).toBeGreaterThan(0);
    expect(primary?.openSize).toBeGreaterThan(primary?.size ?? 0);
    const gz = await readRepoMd(fx.repos.gz);
    expect(gz.data.map((d) => d.type).sort()).toEqual([
      'filelists',
      'filelists_db',
      'other',
      'other_db',
      'primary',
      'primary_db',
    ]);
    expect(gz.data.find((d) => d.type === 'primary_db')?.databaseVersion).toBe(10);
  });
});

describe.each(REPO_VARIANTS)('createrepo_c repository, %s', (variant) => {
  it('primary.xml equals createrepo_c own sqlite view of the packages and rpm -qp', async () => {
    const packages = (await all(readPrimary(fx.repos[variant]))).sort(byName);
    expect(packages.map((p) => p.name)).toEqual(['rmd-hello', 'rmd-libfoo', 'rmd-tiny']);
    const reference = referencePrimary();
    for (const pkg of packages) {
      const { packageType, ...rest } = pkg;
      expect(packageType).toBe('rpm');
      expect(rest).toEqual(reference.get(pkg.name));
    }
    // NEVRA and the sha256 pkgid against rpm itself and sha256sum.
    for (const file of fx.rpms) {
      const [name, epoch, version, release, arch] = execFileSync('rpm', [
        '-qp',
        '--qf',
        '%{NAME}\\n%{EPOCHNUM}\\n%{VERSION}\\n%{RELEASE}\\n%{ARCH}',
        file,
      ])
        .toString()
        .split('\n');
      const pkg = packages.find((p) => p.name === name) as RpmMdPackage;
      expect([pkg.epoch, pkg.version, pkg.release, pkg.arch]).toEqual([Number(epoch), version, release, arch]);
      const sha = execFileSync('sha256sum', [file]).toString().split(' ')[0];
      expect(pkg.checksum.value).toBe(sha);
    }
  });

  it('filelists.xml equals createrepo_c filelists.sqlite', async () => {
    const lists = await all(readFilelists(fx.repos[variant]));
    expect(lists).toHaveLength(3);
    const db = fx.sqlite.filelists;
    for (const pkg of lists) {
      const rows = sqliteRows(
        db,
        `SELECT f.dirname, f.filenames, f.filetypes FROM filelist f JOIN packages p USING (pkgKey) WHERE p.pkgId = '${pkg.pkgid}'`,
      );
      const expected: { path: string; type: string }[] = [];
      const kinds: Record<string, string> = { f: 'file', d: 'dir', g: 'ghost' };
      for (const row of rows) {
        const names = String(row.filenames).split('/');
        names.forEach((n, i) => expected.push({ path: `${row.dirname}/${n}`, type: kinds[String(row.filetypes)[i]] }));
      }
      const sort = (a: { path: string }, b: { path: string }): number => a.path.localeCompare(b.path);
      expect([...pkg.files].sort(sort)).toEqual(expected.sort(sort));
    }
    const hello = lists.find((p) => p.name === 'rmd-hello') as RpmMdFilelistsPackage;
    expect(hello).toMatchObject({ epoch: 2, version: '1.2', release: '3', arch: 'noarch' });
    expect(hello.files).toContainEqual({ path: '/usr/share/hello/ghost', type: 'ghost' });
    expect(hello.files).toContainEqual({ path: '/usr/share/hello', type: 'dir' });
    const libfoo = lists.find((p) => p.name === 'rmd-libfoo') as RpmMdFilelistsPackage;
    expect(libfoo.files).toContainEqual({ path: '/usr/share/doc/rmd-libfoo/READ ME & notes.txt', type: 'file' });
  });

  it('other.xml equals createrepo_c other.sqlite', async () => {
    const others = await all(readOther(fx.repos[variant]));
    expect(others).toHaveLength(3);
    for (const pkg of others) {
      const rows = sqliteRows(
        fx.sqlite.other,
        `SELECT c.author, c.date, c.changelog AS text FROM changelog c JOIN packages p USING (pkgKey) WHERE p.pkgId = '${pkg.pkgid}' ORDER BY c.rowid`,
      );
      expect(pkg.changelogs).toEqual(rows);
    }
    const libfoo = others.find((p) => p.name === 'rmd-libfoo') as RpmMdOtherPackage;
    expect(libfoo.changelogs.map((c) => c.author)).toContain('Dev One <one@example.com> - 0.9~rc1-1');
  });

  it('streams the verified decompressed bytes of each data file, equal to the real tool output', async () => {
    const repomd = await readRepoMd(fx.repos[variant]);
    const primary = repomd.data.find((d) => d.type === 'primary');
    if (!primary) throw new Error('no primary');
    const parts: Uint8Array[] = [];
    for await (const chunk of streamRepoData(fx.repos[variant], primary)) parts.push(chunk);
    const ours = Buffer.concat(parts);
    const theirs = execFileSync('sh', ['-c', 'xz -dc "$1"', 'sh', `${fx.repos.xz}/${(await readRepoMd(fx.repos.xz)).data.find((d) => d.type === 'primary')?.location.href}`]);
    expect(ours.equals(theirs)).toBe(true);
  });
});

it('every compression gives the same records', async () => {
  const results = await Promise.all(REPO_VARIANTS.map(async (v) => (await all(readPrimary(fx.repos[v]))).sort(byName)));
  for (const result of results.slice(1)) expect(result).toEqual(results[0]);
});

it('reads through any RepoSource, not only a directory', async () => {
  const { readFile } = await import('node:fs/promises');
  const opened: string[] = [];
  const source = {
    async *open(href: string): AsyncGenerator<Uint8Array> {
      opened.push(href);
      yield await readFile(`${fx.repos.zst}/${href}`);
    },
  };
  const packages = await all(readPrimary(source));
  expect(packages.map((p) => p.name).sort()).toEqual(['rmd-hello', 'rmd-libfoo', 'rmd-tiny']);
  expect(opened[0]).toBe('repodata/repomd.xml');
  expect(opened.slice(1).every((h) => h.endsWith('-primary.xml.zst'))).toBe(true);
});

it('reports progress and honours an abort signal', async () => {
  const events: string[] = [];
  await all(readPrimary(fx.repos.gz, { onProgress: (e) => events.push(e.phase) }));
  expect(events).toContain('verify');
  expect(events).toContain('parse');
  const controller = new AbortController();
  controller.abort();
  await expect(all(readPrimary(fx.repos.gz, { signal: controller.signal }))).rejects.toMatchObject({ code: 'Aborted' });
});
