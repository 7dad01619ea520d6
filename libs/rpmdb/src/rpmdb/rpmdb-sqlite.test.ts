/**
 * Differential tests of the sqlite rpmdb against the real rpm 4.18: rpm installs packages and we read its database;
 * we write a database from the same packages and rpm queries it; the blobs and every index row must be identical.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePackageHeaders } from '../format/package.js';
import { headerNumbers, headerString, serializeHeader, type Header } from '../format/header.js';
import { TAG, TagType } from '../format/tags.js';
import { buildRpm, rpmFixture } from '../../test/rpm-fixtures.js';
import { rpmMdFixtures, sqliteRows } from '../../test/rpmmd-fixtures.js';
import { installedHeader } from './installed-header.js';
import { RPMDB_INDEXES, allIndexRows, richDependencyIndexNames } from './rpmdb-index.js';
import { Rpmdb, readRpmdb, writeRpmdb } from './rpmdb-sqlite.js';
import { emptyRpmdbImage } from './rpmdb-schema.js';

const work = mkdtempSync(path.join(tmpdir(), 'rpmdb-sqlite-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let rpms: string[];
/** The database real rpm wrote by installing `rpms` into a scratch root. */
let theirs: string;
/** The database we wrote from the same packages. */
let ours: string;

function rpm(args: string[]): string {
  return execFileSync('rpm', ['--define', '_db_backend sqlite', ...args], {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C.UTF-8', TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Header values as rpm stored them, read straight from its sqlite file with the sqlite3 tool. */
function theirBlob(dbpath: string, hnum: number): Buffer {
  const [row] = sqliteRows(path.join(dbpath, 'rpmdb.sqlite'), `SELECT hex(blob) AS b FROM Packages WHERE hnum = ${hnum}`);
  return Buffer.from(String(row.b), 'hex');
}

function theirIndexRows(dbpath: string, index: string, hnum: number): string[] {
  return sqliteRows(path.join(dbpath, 'rpmdb.sqlite'), `SELECT hex(key) AS k, idx FROM '${index}' WHERE hnum = ${hnum}`)
    .map((r) => `${String(r.k).toLowerCase()}#${r.idx}`)
    .sort();
}

function ourIndexRows(header: Header, index: string): string[] {
  const rows = allIndexRows(header).get(index as (typeof RPMDB_INDEXES)[number][0]) ?? [];
  return rows
    .map((r) => `${Buffer.from(typeof r.key === 'string' ? Buffer.from(r.key, 'utf8') : r.key).toString('hex')}#${r.idx}`)
    .sort();
}

beforeAll(() => {
  const fx = rpmMdFixtures();
  rpms = [
    ...fx.rpms,
    rpmFixture('full-x86_64'),
    rpmFixture('minimal-noarch'),
    ...buildRpm(path.resolve(import.meta.dirname, '../../test/specs-rpmdb/rmd-db.spec')),
  ];
  const root = path.join(work, 'root');
  mkdirSync(root);
  rpm(['--root', root, '--dbpath', '/db', '-i', '--nodeps', '--noscripts', '--notriggers', '--ignoreos', ...rpms]);
  theirs = path.join(root, 'db');
  ours = path.join(work, 'ours');
}, 240_000);

describe('reading a database real rpm wrote', () => {
  it('lists every package with rpm’s header numbers and NEVRA', async () => {
    const packages = await readRpmdb(theirs);
    const expected = rpm(['--dbpath', theirs, '-qa', '--qf', '%{DBINSTANCE} %{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH}\\n'])
      .trim()
      .split('\n')
      .sort();
    const got = packages
      .map(({ hnum, header }) => {
        const epoch = headerNumbers(header, TAG.EPOCH)?.[0] ?? 0;
        const h = (tag: number): string => headerString(header, tag) ?? '';
        return `${hnum} ${h(TAG.NAME)} ${epoch} ${h(TAG.VERSION)} ${h(TAG.RELEASE)} ${h(TAG.ARCH)}`;
      })
      .sort();
    expect(got).toEqual(expected);
    expect(packages).toHaveLength(rpms.length);
  });

  it('keeps each package’s immutable region byte for byte and re-serializes the blob identically', async () => {
    const db = await Rpmdb.open(theirs);
    try {
      for (const hnum of db.hnums()) {
        const header = db.header(hnum);
        expect(Buffer.from(serializeHeader(header, { magic: false })).equals(theirBlob(theirs, hnum))).toBe(true);
      }
    } finally {
      db.close();
    }
  });

  it('looks packages up through rpm’s indexes', async () => {
    const db = await Rpmdb.open(theirs);
    try {
      const [hello] = db.lookup('Name', 'rmd-hello');
      expect(headerString(db.header(hello), TAG.NAME)).toBe('rmd-hello');
      expect(db.lookup('Providename', 'hello-virtual')).toEqual([hello]);
      expect(db.lookup('Basenames', 'greeting')).toEqual([hello]);
      const md5 = db.header(hello).entries.get(TAG.SIGMD5)?.value;
      if (md5?.type !== TagType.BIN) throw new Error('no SIGMD5');
      expect(db.lookup('Sigmd5', md5.bytes)).toEqual([hello]);
      const tid = new Uint8Array(4);
      new DataView(tid.buffer).setUint32(0, headerNumbers(db.header(hello), TAG.INSTALLTID)?.[0] ?? 0, true);
      expect(db.lookup('Installtid', tid)).toContain(hello);
      expect(db.lookup('Name', 'no-such-package')).toEqual([]);
      expect(() => db.header(9999)).toThrow(expect.objectContaining({ code: 'NotFound' }));
      expect(() => db.remove(9999)).toThrow(expect.objectContaining({ code: 'NotFound' }));
    } finally {
      db.close();
    }
  });
});

describe('writing what rpm writes', () => {
  let installed: { header: Header; hnum: number; file: string }[];

  beforeAll(async () => {
    // The same packages, installed "at the same moment" as rpm did, so the result must be identical.
    const db = await Rpmdb.open(theirs);
    const byNevra = new Map<string, number>();
    for (const { hnum, header } of db.packages()) {
      byNevra.set(`${headerString(header, TAG.NAME)}-${headerString(header, TAG.VERSION)}`, hnum);
    }
    installed = rpms.map((file) => {
      const pkg = parsePackageHeaders(readFileSync(file));
      const hnum = byNevra.get(`${headerString(pkg.header, TAG.NAME)}-${headerString(pkg.header, TAG.VERSION)}`);
      if (hnum === undefined) throw new Error(`rpm did not install ${file}`);
      const their = db.header(hnum);
      const header = installedHeader(pkg, {
        installTime: headerNumbers(their, TAG.INSTALLTIME)?.[0] ?? 0,
        installTid: headerNumbers(their, TAG.INSTALLTID)?.[0],
        installColor: headerNumbers(their, TAG.INSTALLCOLOR)?.[0],
      });
      return { header, hnum, file };
    });
    db.close();
    installed.sort((a, b) => a.hnum - b.hnum);
    await writeRpmdb(
      ours,
      installed.map((i) => i.header),
    );
  });

  it('builds the installed header blob byte-identical to rpm’s', () => {
    for (const { header, hnum, file } of installed) {
      const mine = Buffer.from(serializeHeader(header, { magic: false }));
      expect(mine.equals(theirBlob(theirs, hnum)), path.basename(file)).toBe(true);
    }
  });

  it('fills every index table with exactly rpm’s rows', () => {
    for (const { header, hnum, file } of installed) {
      for (const [index] of RPMDB_INDEXES) {
        expect(ourIndexRows(header, index), `${path.basename(file)} ${index}`).toEqual(theirIndexRows(theirs, index, hnum));
      }
    }
  });

  it('writes the same rows into the sqlite file as rpm', () => {
    for (const [index] of RPMDB_INDEXES) {
      const dump = (db: string): string[] =>
        sqliteRows(path.join(db, 'rpmdb.sqlite'), `SELECT hex(key) AS k, hnum, idx FROM '${index}'`)
          .map((r) => `${r.k} ${r.hnum} ${r.idx}`)
          .sort();
      expect(dump(ours), index).toEqual(dump(theirs));
    }
    const schema = (db: string): string[] =>
      sqliteRows(path.join(db, 'rpmdb.sqlite'), "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        .map((r) => `${r.type} ${r.name} ${r.tbl_name}`)
        .sort();
    expect(schema(ours)).toEqual(schema(theirs));
  });

  const queries: [string, string[]][] = [
    ['-qa', ['-qa', '--qf', '%{DBINSTANCE} %{NEVRA} %{INSTALLTIME} %{INSTALLTID} %{SIGMD5} %{SHA1HEADER}\\n']],
    ['-qi rmd-hello', ['-qi', 'rmd-hello']],
    ['-qi rmd-libfoo', ['-qi', 'rmd-libfoo']],
    ['-ql rmd-hello', ['-ql', 'rmd-hello']],
    ['-ql rmd-libfoo', ['-ql', 'rmd-libfoo']],
    ['-ql --dump rmd-db', ['-ql', '--dump', 'rmd-db']],
    ['-ql tsos-full', ['-ql', 'tsos-full']],
    ['--whatprovides hello-virtual', ['-q', '--whatprovides', 'hello-virtual']],
    ['--whatprovides libfoo.so.1()(64bit)', ['-q', '--whatprovides', 'libfoo.so.1()(64bit)']],
    ['--whatprovides a file', ['-q', '--whatprovides', '/usr/share/hello/greeting']],
    ['--whatrequires /bin/sh', ['-q', '--whatrequires', '/bin/sh']],
    ['--whatrequires rmd-c (else branch)', ['-q', '--whatrequires', 'rmd-c']],
    ['--whatrecommends rmd-r2', ['-q', '--whatrecommends', 'rmd-r2']],
    ['--whatconflicts rmd-x', ['-q', '--whatconflicts', 'rmd-x']],
    ['--whatobsoletes rmd-old', ['-q', '--whatobsoletes', 'rmd-old']],
    ['--triggeredby rmd-t1', ['-q', '--triggeredby', 'rmd-t1']],
    ['-qf', ['-qf', '/etc/hello.conf', '/usr/bin/foo-tool', '/opt/rmd/share/tool']],
    ['-qg', ['-qg', 'Applications/Test']],
    ['--provides --requires --filetriggers', ['-q', '--provides', '--requires', '--filetriggers', 'rmd-db']],
    ['--changelog', ['-q', '--changelog', 'rmd-libfoo']],
  ];
  for (const [name, args] of queries) {
    it(`real rpm answers ${name} identically on our database`, () => {
      const expected = rpm(['--dbpath', theirs, ...args]);
      expect(expected.trim()).not.toBe('');
      expect(rpm(['--dbpath', ours, ...args])).toBe(expected);
    });
  }

  it('passes rpmdb --verifydb and reads back through our reader', async () => {
    execFileSync('rpmdb', ['--define', '_db_backend sqlite', '--dbpath', ours, '--verifydb']);
    const back = await readRpmdb(ours);
    expect(back.map((p) => p.hnum)).toEqual(installed.map((i) => i.hnum));
  });

  it('saves the same bytes as SQLite with its default rollback journal (the connection settings are not in the file)', async () => {
    const SQL = await initSqlJs();
    const plain = new SQL.Database(emptyRpmdbImage());
    for (const { header } of installed) {
      plain.run('BEGIN');
      plain.run("INSERT INTO 'Packages' (blob) VALUES (?)", [serializeHeader(header, { magic: false })]);
      const hnum = Number(plain.exec('SELECT last_insert_rowid()')[0]?.values[0]?.[0]);
      for (const [index, rows] of allIndexRows(header)) {
        for (const row of rows) plain.run(`INSERT INTO '${index}' (key, hnum, idx) VALUES (?, ?, ?)`, [row.key, hnum, row.idx]);
      }
      plain.run('COMMIT');
    }
    const expected = plain.export();
    plain.close();
    expected[18] = 2;
    expected[19] = 2;
    expect(Buffer.from(readFileSync(path.join(ours, 'rpmdb.sqlite'))).equals(Buffer.from(expected))).toBe(true);
  });

  it('saves the same file without the fsync (fsync: false)', async () => {
    const dir = path.join(work, 'nosync');
    const db = await Rpmdb.create(dir);
    for (const { header } of installed) db.add(header);
    db.save({ fsync: false });
    db.close();
    expect(readFileSync(path.join(dir, 'rpmdb.sqlite')).equals(readFileSync(path.join(ours, 'rpmdb.sqlite')))).toBe(true);
    expect(rpm(['--dbpath', dir, '-qa']).trim().split('\n')).toHaveLength(rpms.length);
  });

  it('rolls a failed add back completely: no blob, no index row', async () => {
    const dir = path.join(work, 'rollback');
    const db = await Rpmdb.create(dir);
    const [first, second] = installed;
    const good = db.add(first.header);
    // Fails in the middle of the index inserts: Name and Basenames rows are already in when Providename throws.
    class Failing extends Map<number, Header['entries'] extends Map<number, infer E> ? E : never> {
      override get(tag: number) {
        if (tag === TAG.PROVIDENAME) throw new Error('provides unreadable');
        return super.get(tag);
      }
    }
    expect(() => db.add({ ...second.header, entries: new Failing(second.header.entries) })).toThrow('provides unreadable');
    expect(db.hnums()).toEqual([good]);
    expect(db.lookup('Name', headerString(second.header, TAG.NAME) as string)).toEqual([]);
    const next = db.add(second.header);
    expect(db.lookup('Name', headerString(second.header, TAG.NAME) as string)).toEqual([next]);
    db.save();
    db.close();
    expect(rpm(['--dbpath', dir, '-qa', '--qf', '%{NAME}\\n']).trim().split('\n').sort()).toEqual(
      [headerString(first.header, TAG.NAME), headerString(second.header, TAG.NAME)].sort(),
    );
    execFileSync('rpmdb', ['--define', '_db_backend sqlite', '--dbpath', dir, '--verifydb']);
  });

  it('adds to and removes from a database rpm wrote, and rpm agrees', async () => {
    const copy = path.join(work, 'copy');
    mkdirSync(copy);
    writeFileSync(path.join(copy, 'rpmdb.sqlite'), readFileSync(path.join(theirs, 'rpmdb.sqlite')));
    const db = await Rpmdb.open(copy);
    const tiny = db.lookup('Name', 'rmd-tiny')[0];
    db.remove(tiny);
    const again = db.add(installed.find((i) => i.hnum === tiny)?.header as Header);
    db.save();
    db.close();
    expect(again).toBeGreaterThan(Math.max(...installed.map((i) => i.hnum)));
    expect(rpm(['--dbpath', copy, '-q', 'rmd-tiny', '--qf', '%{DBINSTANCE}'])).toBe(String(again));
    expect(rpm(['--dbpath', copy, '-qa']).trim().split('\n')).toHaveLength(rpms.length);
  });
});

describe('rich dependency index names', () => {
  it('follows rpm for and/or/with/if/else/unless and nesting', () => {
    expect(richDependencyIndexNames('(foo or bar)')).toEqual(['bar', 'foo']);
    expect(richDependencyIndexNames('(a >= 1.0 if b)')).toEqual(['a', '!b']);
    expect(richDependencyIndexNames('(a if b else c)')).toEqual(['a', 'b', 'c', '!b']);
    expect(richDependencyIndexNames('(u unless (v or w))')).toEqual(['u', '!v', '!w']);
    expect(richDependencyIndexNames('((d or e) and h)')).toEqual(['d', 'e', 'h']);
    expect(richDependencyIndexNames('(rpmlib(Foo) or x)')).toEqual(['x']);
    expect(richDependencyIndexNames('(libfoo.so.1()(64bit) or x)')).toEqual(['libfoo.so.1()(64bit)', 'x']);
    expect(richDependencyIndexNames('(broken')).toEqual([]);
    expect(richDependencyIndexNames('(a frob b)')).toEqual([]);
  });
});

describe('hostile databases', () => {
  const fresh = (name: string): string => {
    const dir = path.join(work, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  it('a missing database → NotFound', async () => {
    await expect(readRpmdb(path.join(work, 'nothing-here'))).rejects.toMatchObject({ code: 'NotFound' });
  });
  it('a file that is not sqlite → Corrupt', async () => {
    const dir = fresh('garbage');
    writeFileSync(path.join(dir, 'rpmdb.sqlite'), Buffer.alloc(8192, 0x41));
    await expect(readRpmdb(dir)).rejects.toMatchObject({ code: 'Corrupt' });
  });
  it('a sqlite database without a Packages table → Corrupt', async () => {
    const dir = fresh('notrpm');
    execFileSync('sqlite3', [path.join(dir, 'rpmdb.sqlite'), 'CREATE TABLE x (y)']);
    await expect(readRpmdb(dir)).rejects.toMatchObject({ code: 'Corrupt' });
  });
  it('a truncated or overflowing header blob → Parse, naming the header number', async () => {
    for (const [name, blob] of [
      ['truncated', theirBlob(theirs, 1).subarray(0, 100)],
      ['count-overflow', Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 16]), Buffer.alloc(64)])],
      ['empty', Buffer.alloc(0)],
    ] as const) {
      const dir = fresh(`blob-${name}`);
      const db = await Rpmdb.create(dir);
      db.save();
      db.close();
      execFileSync('sqlite3', [path.join(dir, 'rpmdb.sqlite'), `INSERT INTO Packages (blob) VALUES (x'${blob.toString('hex')}00')`]);
      const error = await readRpmdb(dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toMatchObject({ code: 'Parse' });
      expect((error as Error).message).toContain('rpmdb header #1');
    }
  });
  it('applies committed WAL frames like a checkpoint, and ignores an unfinished transaction', async () => {
    const dir = fresh('wal');
    const snap = fresh('wal-snapshot');
    const db = path.join(dir, 'rpmdb.sqlite');
    writeFileSync(db, readFileSync(path.join(theirs, 'rpmdb.sqlite')));
    const [tiny] = sqliteRows(db, "SELECT hnum FROM Name WHERE key = 'rmd-tiny'");
    // Capture the files while the real sqlite3 still holds the database open: the deletion lives only in the WAL.
    execFileSync('sqlite3', [db], {
      input: [
        'PRAGMA wal_autocheckpoint = 0;',
        `DELETE FROM Packages WHERE hnum = ${tiny.hnum};`,
        `DELETE FROM Name WHERE hnum = ${tiny.hnum};`,
        'BEGIN;',
        'DELETE FROM Packages;',
        `.system cp ${db} ${db}-wal ${snap}/`,
        'ROLLBACK;',
      ].join('\n'),
    });
    const walSize = readFileSync(path.join(snap, 'rpmdb.sqlite-wal')).length;
    expect(walSize).toBeGreaterThan(0);
    const names = (await readRpmdb(snap)).map((p) => headerString(p.header, TAG.NAME)).sort();
    expect(names).not.toContain('rmd-tiny');
    expect(names).toHaveLength(rpms.length - 1);
    expect(rpm(['--dbpath', snap, '-qa']).trim().split('\n').sort()).toHaveLength(rpms.length - 1);
    // Without its WAL the main file still lists the package: the change really lived only in the log.
    rmSync(path.join(snap, 'rpmdb.sqlite-wal'), { force: true });
    rmSync(path.join(snap, 'rpmdb.sqlite-shm'), { force: true });
    expect((await readRpmdb(snap)).map((p) => headerString(p.header, TAG.NAME))).toContain('rmd-tiny');
  });
  it('a -wal file that is not a WAL → Corrupt', async () => {
    const dir = fresh('wal-garbage');
    writeFileSync(path.join(dir, 'rpmdb.sqlite'), readFileSync(path.join(theirs, 'rpmdb.sqlite')));
    writeFileSync(path.join(dir, 'rpmdb.sqlite-wal'), Buffer.alloc(100, 1));
    await expect(readRpmdb(dir)).rejects.toMatchObject({ code: 'Corrupt' });
  });
  it('rejects an installed header for a package header without region, and wrong file-state counts', () => {
    const pkg = parsePackageHeaders(readFileSync(rpms[0]));
    expect(() => installedHeader({ signature: pkg.signature, header: { entries: pkg.header.entries } }, { installTime: 1 })).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
    expect(() => installedHeader(pkg, { installTime: 1, fileStates: [0] })).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    const ok = installedHeader(pkg, { installTime: 1 });
    expect(ok.entries.get(TAG.FILESTATES)?.value.type).toBe(TagType.CHAR);
  });
});
