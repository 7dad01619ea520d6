/**
 * rpm's sqlite database (`rpmdb.sqlite`, rpm ≥ 4.16), read and written through sql.js (SQLite compiled to
 * WebAssembly; see the README for why).
 *
 * Layout, as rpm's sqlite backend creates it: a `Packages` table `(hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB)`
 * whose blobs are installed headers without the magic, and one table per index `(key, hnum, idx)` with the
 * rows of rpmdb-index.ts. The whole database is loaded into memory (with the committed frames of a `-wal` file
 * applied, see sqlite-wal.ts); `save()` writes it back atomically (temporary file + rename), in WAL mode like rpm's,
 * and drops the old `-wal`/`-shm` files. Like rpm itself, writers must be alone on the database: do not `save()`
 * while another process (rpm, dnf) has it open.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, mkdirSync, openSync, closeSync, fsyncSync } from 'node:fs';
import * as path from 'node:path';
import { CorruptError, NotFoundError, fromSystemError, isTsostreeError, withContext } from '@tsostree/errors';
import { applyWal } from './sqlite-wal.js';
import initSqlJs, { type Database, type SqlJsStatic, type Statement } from 'sql.js';
import { parseHeader, serializeHeader, type Header } from '../format/header.js';
import { RPMDB_INDEXES, allIndexRows, type RpmdbIndexName } from './rpmdb-index.js';
import { emptyRpmdbImage, rpmdbSchema } from './rpmdb-schema.js';

export const RPMDB_SQLITE_FILE = 'rpmdb.sqlite';

export interface InstalledPackage {
  /** rpm's header number (the Packages row id, what `rpm -q --qf '%{DBINSTANCE}'` prints). */
  hnum: number;
  header: Header;
}

let sqlPromise: Promise<SqlJsStatic> | undefined;
function sqlite(): Promise<SqlJsStatic> {
  sqlPromise ??= initSqlJs();
  return sqlPromise;
}

/**
 * Connection settings for the in-memory copy. sql.js keeps the database as a file of Emscripten's in-memory file
 * system, and SQLite's default rollback journal creates, writes, syncs and deletes a `-journal` file there for
 * every transaction: path lookups and copies in JavaScript that took half of `add`'s CPU time (~100 of ~200 ms
 * for a 57-package compose, fresh process). The journal is kept in memory instead (ROLLBACK still works) and the
 * no-op syncs are skipped. Neither setting is stored in the file: `save()` writes the same bytes as before
 * (checked in rpmdb-sqlite.test.ts), and durability comes from `save()`'s own fsync and rename.
 */
const CONNECTION_PRAGMAS = ['PRAGMA journal_mode = MEMORY', 'PRAGMA synchronous = OFF'];

function tuneConnection(db: Database): void {
  for (const pragma of CONNECTION_PRAGMAS) db.run(pragma);
}

export interface OpenRpmdbOptions {
  /** Create an empty database when none exists (like `rpmdb --initdb`). Default false. */
  create?: boolean;
}

/** An rpm sqlite database held in memory; `save()` writes it back. */
export class Rpmdb {
  readonly dbpath: string;
  readonly #db: Database;
  /**
   * Prepared statements of `add`, reused across packages: SQLite parses each once instead of once per package
   * (a compose adds hundreds of packages, ~20 index inserts each). `export()` finalizes every statement, so
   * `save()` and `close()` drop them.
   */
  readonly #statements = new Map<string, Statement>();
  /**
   * Whether CONNECTION_PRAGMAS ran. They run before the first write, not at open: the first statement of a
   * fresh SQLite module costs ~15 ms of cold WebAssembly, and a compose creates its database at the start (to
   * compile SQLite in the background) but writes it later, while its scriptlets run.
   */
  #tuned = false;

  private constructor(dbpath: string, db: Database) {
    this.dbpath = dbpath;
    this.#db = db;
  }

  /** A new, empty database for `dbpath` (nothing is written until `save()`): rpm's schema, from its file image. */
  static async create(dbpath: string): Promise<Rpmdb> {
    const SQL = await sqlite();
    return new Rpmdb(dbpath, new SQL.Database(emptyRpmdbImage()));
  }

  /** Opens `<dbpath>/rpmdb.sqlite` (dbpath is the directory, e.g. `<root>/usr/lib/sysimage/rpm`). */
  static async open(dbpath: string, options: OpenRpmdbOptions = {}): Promise<Rpmdb> {
    const SQL = await sqlite();
    const file = path.join(dbpath, RPMDB_SQLITE_FILE);
    if (!existsSync(file)) {
      if (!options.create) throw new NotFoundError(`no rpm database at ${file}`, { data: { path: file } });
      return Rpmdb.create(dbpath);
    }
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
      const wal = `${file}-wal`;
      // Committed transactions still in the write-ahead log are part of the database: apply them like a checkpoint.
      if (existsSync(wal) && statSync(wal).size > 0) bytes = applyWal(bytes, readFileSync(wal));
    } catch (error) {
      if (isTsostreeError(error)) throw withContext(file, error);
      throw fromSystemError(error, `reading ${file}`);
    }
    let db: Database;
    try {
      db = new SQL.Database(bytes);
      db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'Packages'");
    } catch (error) {
      throw new CorruptError(`${file} is not a readable sqlite database: ${(error as Error).message}`, {
        cause: error,
        data: { path: file },
      });
    }
    const tables = new Set(
      (db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((row) => String(row[0])),
    );
    if (!tables.has('Packages')) throw new CorruptError(`${file} has no Packages table: not an rpm database`, { data: { path: file } });
    for (const statement of rpmdbSchema()) db.run(statement);
    return new Rpmdb(dbpath, db);
  }

  /** Header numbers of every installed package, ascending. */
  hnums(): number[] {
    return (this.#db.exec('SELECT hnum FROM Packages ORDER BY hnum')[0]?.values ?? []).map((row) => Number(row[0]));
  }

  /** The raw header blob (no magic) of one package. */
  blob(hnum: number): Uint8Array {
    const statement = this.#db.prepare('SELECT blob FROM Packages WHERE hnum = ?');
    try {
      statement.bind([hnum]);
      if (!statement.step()) throw new NotFoundError(`no package with header number ${hnum}`, { data: { hnum } });
      const value = statement.get()[0];
      if (!(value instanceof Uint8Array)) throw new CorruptError(`header ${hnum} is not a blob`, { data: { hnum } });
      return value;
    } finally {
      statement.free();
    }
  }

  /** The parsed header of one package; a damaged blob is a `ParseError` naming the header number. */
  header(hnum: number): Header {
    const blob = this.blob(hnum);
    try {
      const { header, end } = parseHeader(blob, { magic: false });
      if (end !== blob.length) throw new CorruptError(`header ${hnum} has ${blob.length - end} trailing bytes`, { data: { hnum } });
      return header;
    } catch (error) {
      throw withContext(`rpmdb header #${hnum}`, error);
    }
  }

  /** Every installed package, in header-number order. */
  *packages(): Generator<InstalledPackage> {
    for (const hnum of this.hnums()) yield { hnum, header: this.header(hnum) };
  }

  /** Header numbers whose index `index` has `key` (e.g. `lookup('Providename', 'libc.so.6()(64bit)')`). */
  lookup(index: RpmdbIndexName, key: string | Uint8Array): number[] {
    const statement = this.#db.prepare(`SELECT DISTINCT hnum FROM '${index}' WHERE key = ? ORDER BY hnum`);
    const out: number[] = [];
    try {
      statement.bind([key]);
      while (statement.step()) out.push(Number(statement.get()[0]));
    } finally {
      statement.free();
    }
    return out;
  }

  #statement(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** The connection, with CONNECTION_PRAGMAS applied, for a write. */
  #writable(): Database {
    if (!this.#tuned) {
      tuneConnection(this.#db);
      this.#tuned = true;
    }
    return this.#db;
  }

  #freeStatements(): void {
    for (const statement of this.#statements.values()) statement.free();
    this.#statements.clear();
  }

  /** Adds an installed header (see `installedHeader`) with its index rows; returns its header number. */
  add(header: Header): number {
    const blob = serializeHeader(header, { magic: false });
    const db = this.#writable();
    db.run('BEGIN');
    try {
      this.#statement("INSERT INTO 'Packages' (blob) VALUES (?)").run([blob]);
      const rowid = this.#statement('SELECT last_insert_rowid()');
      rowid.step();
      const hnum = Number(rowid.get()[0]);
      rowid.reset();
      for (const [index, rows] of allIndexRows(header)) {
        if (rows.length === 0) continue;
        const statement = this.#statement(`INSERT INTO '${index}' (key, hnum, idx) VALUES (?, ?, ?)`);
        for (const row of rows) statement.run([row.key, hnum, row.idx]);
      }
      db.run('COMMIT');
      return hnum;
    } catch (error) {
      db.run('ROLLBACK');
      throw error;
    }
  }

  /** Removes a package and its index rows. */
  remove(hnum: number): void {
    const db = this.#writable();
    if (!this.hnums().includes(hnum)) throw new NotFoundError(`no package with header number ${hnum}`, { data: { hnum } });
    db.run('BEGIN');
    for (const [index] of RPMDB_INDEXES) db.run(`DELETE FROM '${index}' WHERE hnum = ?`, [hnum]);
    db.run("DELETE FROM 'Packages' WHERE hnum = ?", [hnum]);
    db.run('COMMIT');
  }

  /**
   * Writes the database to `<dbpath>/rpmdb.sqlite` atomically (temporary file + rename). `fsync: false` skips
   * flushing the file to disk before the rename: for a database in a tree that is committed to an ostree
   * repository right afterwards (the commit reads it from the page cache and makes its own objects durable),
   * the flush only costs time (~5–35 ms on this machine). Default true.
   */
  save(options: { fsync?: boolean } = {}): void {
    this.#freeStatements();
    const bytes = this.#db.export();
    // sql.js exports in rollback-journal mode; mark the file WAL like rpm's (format bytes 18 and 19 = 2).
    bytes[18] = 2;
    bytes[19] = 2;
    const file = path.join(this.dbpath, RPMDB_SQLITE_FILE);
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      mkdirSync(this.dbpath, { recursive: true });
      writeFileSync(tmp, bytes, { mode: 0o644 });
      if (options.fsync ?? true) {
        const fd = openSync(tmp, 'r');
        fsyncSync(fd);
        closeSync(fd);
      }
      rmSync(`${file}-wal`, { force: true });
      rmSync(`${file}-shm`, { force: true });
      renameSync(tmp, file);
      const lock = path.join(this.dbpath, '.rpm.lock');
      if (!existsSync(lock)) writeFileSync(lock, '', { mode: 0o644 });
    } catch (error) {
      rmSync(tmp, { force: true });
      throw fromSystemError(error, `writing ${file}`);
    }
  }

  close(): void {
    this.#freeStatements();
    this.#db.close();
  }
}

/** Reads every installed package of the rpm database in `dbpath`. */
export async function readRpmdb(dbpath: string): Promise<InstalledPackage[]> {
  const db = await Rpmdb.open(dbpath);
  try {
    return [...db.packages()];
  } finally {
    db.close();
  }
}

/** Writes a new rpm database holding `headers` (installed headers, see `installedHeader`), replacing any old one. */
export async function writeRpmdb(dbpath: string, headers: Iterable<Header>): Promise<number[]> {
  const db = await Rpmdb.create(dbpath);
  try {
    const hnums = [...headers].map((header) => db.add(header));
    db.save();
    return hnums;
  } finally {
    db.close();
  }
}
