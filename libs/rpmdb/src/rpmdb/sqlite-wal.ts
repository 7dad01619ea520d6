/**
 * Applies a SQLite write-ahead log (`<db>-wal`) to a database image, as SQLite's checkpoint would (pure).
 *
 * sql.js works on an in-memory copy of the main file only, so committed transactions still in the WAL (a reader
 * holding rpm's database open, a crash before the checkpoint) would be invisible. Format (sqlite.org/fileformat.html,
 * "The WAL File Format"): a 32-byte header (magic 0x377f0682 little-endian / 0x377f0683 big-endian checksums, format
 * version, page size, checkpoint sequence, two salts, header checksum), then frames of a 24-byte header (page number,
 * database size in pages for a commit frame else 0, the two salts, cumulative checksum) and one page. Frames count
 * while their salts match the header and their cumulative checksum is right; pages up to the last valid commit frame
 * are applied, later ones (an unfinished transaction) are ignored.
 */
import { CorruptError } from '@tsostree/errors';

const WAL_HEADER = 32;
const FRAME_HEADER = 24;

function checksum(view: DataView, offset: number, length: number, littleEndian: boolean, seed: [number, number]): [number, number] {
  let [s0, s1] = seed;
  for (let i = offset; i < offset + length; i += 8) {
    s0 = (s0 + view.getUint32(i, littleEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(i + 4, littleEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

/** Returns the database image with the WAL's committed frames applied (or `db` itself when nothing applies). */
export function applyWal(db: Uint8Array, wal: Uint8Array): Uint8Array {
  if (wal.length < WAL_HEADER) return db;
  const view = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const magic = view.getUint32(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) throw new CorruptError('the -wal file has no WAL magic');
  const littleEndian = magic === 0x377f0682;
  const pageSize = view.getUint32(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw new CorruptError(`the -wal file has an invalid page size ${pageSize}`);
  }
  const salt1 = view.getUint32(16);
  const salt2 = view.getUint32(20);
  let sum = checksum(view, 0, 24, littleEndian, [0, 0]);
  if (sum[0] !== view.getUint32(24) || sum[1] !== view.getUint32(28)) return db; // a stale or torn header: SQLite ignores the log
  const pages = new Map<number, number>(); // page number → frame offset, for frames up to the last commit
  const pending = new Map<number, number>();
  let dbPages = 0;
  for (let at = WAL_HEADER; at + FRAME_HEADER + pageSize <= wal.length; at += FRAME_HEADER + pageSize) {
    if (view.getUint32(at + 8) !== salt1 || view.getUint32(at + 12) !== salt2) break;
    sum = checksum(view, at, 8, littleEndian, sum);
    sum = checksum(view, at + FRAME_HEADER, pageSize, littleEndian, sum);
    if (sum[0] !== view.getUint32(at + 16) || sum[1] !== view.getUint32(at + 20)) break;
    const page = view.getUint32(at);
    if (page === 0) break;
    pending.set(page, at + FRAME_HEADER);
    const commitSize = view.getUint32(at + 4);
    if (commitSize !== 0) {
      for (const [p, offset] of pending) pages.set(p, offset);
      pending.clear();
      dbPages = commitSize;
    }
  }
  if (pages.size === 0) return db;
  const out = new Uint8Array(dbPages * pageSize);
  out.set(db.subarray(0, Math.min(db.length, out.length)));
  for (const [page, offset] of pages) {
    if (page <= dbPages) out.set(wal.subarray(offset, offset + pageSize), (page - 1) * pageSize);
  }
  return out;
}
