import { gzipSync } from 'node:zlib';
import initSqlJs from 'sql.js';
import { describe, expect, it } from 'vitest';
import { EMPTY_RPMDB_IMAGE_GZ, emptyRpmdbImage, rpmdbSchema } from './rpmdb-schema.js';

describe('the empty rpmdb image', () => {
  it('is byte for byte the file sql.js writes for rpm’s schema', async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    for (const statement of rpmdbSchema()) db.run(statement);
    const rebuilt = db.export();
    db.close();
    const image = emptyRpmdbImage();
    if (!Buffer.from(image).equals(Buffer.from(rebuilt))) {
      // A sql.js (SQLite) upgrade can change the file: paste this as EMPTY_RPMDB_IMAGE_GZ.
      console.log(gzipSync(rebuilt, { level: 9 }).toString('base64'));
    }
    expect(Buffer.from(image).equals(Buffer.from(rebuilt))).toBe(true);
    expect(EMPTY_RPMDB_IMAGE_GZ.length).toBeLessThan(8192);
  });

  it('holds every table and index of the schema, and nothing else', async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database(emptyRpmdbImage());
    const sql = (db.exec("SELECT sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY rowid")[0]?.values ?? []).map((r) => String(r[0]));
    db.close();
    expect(sql).toEqual(rpmdbSchema().map((s) => s.replace(' IF NOT EXISTS', '')));
  });
});
