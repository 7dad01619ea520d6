/**
 * Streaming reader for RPM payload archives: cpio "newc" (magic `070701`, or `070702` with the
 * ignored checksum field) and rpm's stripped format (magic `07070X`) that rpm uses when a package
 * has files of 4 GiB or more.
 *
 * newc: 6-byte magic, 13 fields of 8 hex digits (ino, mode, uid, gid, nlink, mtime, filesize,
 * devmajor, devminor, rdevmajor, rdevminor, namesize, check), the NUL-terminated name, zero padding
 * to a multiple of 4, the data, padding to 4. The archive ends with an entry named `TRAILER!!!`.
 *
 * stripped: 6-byte magic and 8 hex digits giving the file's index in the header's file list,
 * padding to 4, then the data (its size comes from the header), padding to 4. Everything else
 * (name, mode, owner) comes from the header. The trailer is a normal newc trailer.
 *
 * Works on any async iterable of byte chunks and holds at most one chunk plus one header at a
 * time, so memory stays bounded for any archive size. Malformed archives are `ParseError`s with
 * the byte offset in the uncompressed archive.
 */
import { ParseError } from '@tsostree/errors';

export interface CpioEntry {
  /** The name as stored (rpm writes `./usr/bin/foo`); `''` for stripped entries. */
  name: string;
  /** For stripped entries, the file's index in the header; otherwise -1. */
  fileIndex: number;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  size: number;
  devMajor: number;
  devMinor: number;
  rdevMajor: number;
  rdevMinor: number;
  /** Offset of the entry's header in the archive. */
  offset: number;
}

/** Longest name accepted (Linux PATH_MAX). */
export const CPIO_MAX_NAME = 4096;
const NEWC_HEADER = 110;
const TRAILER = 'TRAILER!!!';

/** Pulls exact byte counts out of an async iterable of chunks. */
export class ByteReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private pos = 0;
  /** Bytes consumed so far. */
  offset = 0;
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.pos >= this.chunk.length) {
      const r = await this.it.next();
      if (r.done) return false;
      this.chunk = r.value;
      this.pos = 0;
    }
    return true;
  }

  /** Exactly `n` bytes, or a ParseError at end of input. */
  async read(n: number, what: string): Promise<Uint8Array> {
    if (this.pos + n <= this.chunk.length) {
      const out = this.chunk.subarray(this.pos, this.pos + n);
      this.pos += n;
      this.offset += n;
      return out;
    }
    const out = new Uint8Array(n);
    let have = 0;
    while (have < n) {
      if (!(await this.fill())) throw new ParseError(`cpio: truncated in ${what}`, { offset: this.offset });
      const take = Math.min(n - have, this.chunk.length - this.pos);
      out.set(this.chunk.subarray(this.pos, this.pos + take), have);
      this.pos += take;
      this.offset += take;
      have += take;
    }
    return out;
  }

  /** Yields the next `n` bytes as they arrive (views into the source chunks: copy to keep them). */
  async *stream(n: number, what: string): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) throw new ParseError(`cpio: truncated in ${what}`, { offset: this.offset });
      const take = Math.min(left, this.chunk.length - this.pos);
      const out = this.chunk.subarray(this.pos, this.pos + take);
      this.pos += take;
      this.offset += take;
      left -= take;
      yield out;
    }
  }

  async skip(n: number, what: string): Promise<void> {
    for await (const _ of this.stream(n, what)) {
      // discard
    }
  }

  /** True when the source is exhausted. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }
}

const HEX = /^[0-9a-fA-F]{8}$/;

function hexField(bytes: Uint8Array, at: number, offset: number, what: string): number {
  const s = String.fromCharCode(...bytes.subarray(at, at + 8));
  if (!HEX.test(s)) throw new ParseError(`cpio: ${what} is not 8 hex digits`, { offset: offset + at });
  return parseInt(s, 16);
}

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

export interface ReadCpioOptions {
  /** For stripped entries: the size of file `index` (from the header's FILESIZES/LONGFILESIZES). */
  strippedFileSize?: (index: number) => number | undefined;
}

export interface CpioItem {
  entry: CpioEntry;
  /** The entry's data; must be consumed (or left: it is skipped) before the next item is requested. */
  data: AsyncGenerator<Uint8Array>;
}

/** Reads a cpio archive entry by entry, streaming each entry's data. Stops at the trailer. */
export async function* readCpio(source: AsyncIterable<Uint8Array>, options: ReadCpioOptions = {}): AsyncGenerator<CpioItem> {
  const r = new ByteReader(source);
  for (;;) {
    const offset = r.offset;
    const magic = await r.read(6, 'an entry header');
    const m = String.fromCharCode(...magic);
    let entry: CpioEntry;
    if (m === '07070X') {
      const idx = await r.read(8, 'a stripped header');
      const fileIndex = hexField(idx, 0, offset + 6, 'the file index');
      await r.read(pad4(14), 'header padding');
      const size = options.strippedFileSize?.(fileIndex);
      if (size === undefined) throw new ParseError(`cpio: stripped entry for unknown file index ${fileIndex}`, { offset: offset + 6 });
      entry = { name: '', fileIndex, ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, size, devMajor: 0, devMinor: 0, rdevMajor: 0, rdevMinor: 0, offset };
    } else if (m === '070701' || m === '070702') {
      const h = await r.read(NEWC_HEADER - 6, 'an entry header');
      const f = (i: number, what: string) => hexField(h, i * 8, offset + 6, what);
      const namesize = f(11, 'namesize');
      if (namesize < 2 || namesize > CPIO_MAX_NAME) throw new ParseError(`cpio: name size ${namesize} out of range`, { offset: offset + 6 + 88 });
      const nameBytes = await r.read(namesize, 'a name');
      if (nameBytes[namesize - 1] !== 0 || nameBytes.indexOf(0) !== namesize - 1) {
        throw new ParseError('cpio: name is not a single NUL-terminated string', { offset: offset + NEWC_HEADER });
      }
      const name = new TextDecoder('utf-8').decode(nameBytes.subarray(0, namesize - 1));
      await r.read(pad4(NEWC_HEADER + namesize), 'name padding');
      entry = {
        name,
        fileIndex: -1,
        ino: f(0, 'ino'),
        mode: f(1, 'mode'),
        uid: f(2, 'uid'),
        gid: f(3, 'gid'),
        nlink: f(4, 'nlink'),
        mtime: f(5, 'mtime'),
        size: f(6, 'filesize'),
        devMajor: f(7, 'devmajor'),
        devMinor: f(8, 'devminor'),
        rdevMajor: f(9, 'rdevmajor'),
        rdevMinor: f(10, 'rdevminor'),
        offset,
      };
      if (name === TRAILER) return;
    } else {
      throw new ParseError(`cpio: bad magic ${JSON.stringify(m)}`, { offset });
    }
    const data = r.stream(entry.size, `the data of ${entry.name || `file #${entry.fileIndex}`}`);
    yield { entry, data };
    // Skip whatever the consumer left unread, then the padding.
    for await (const _ of data) {
      // discard
    }
    await r.read(pad4(entry.size), 'data padding');
  }
}

/** Writes one newc entry header + name + padding (used by tests and tools to build archives). */
export function cpioNewcHeader(e: Omit<CpioEntry, 'offset' | 'fileIndex'>): Uint8Array {
  const name = new TextEncoder().encode(e.name);
  const fields = [e.ino, e.mode, e.uid, e.gid, e.nlink, e.mtime, e.size, e.devMajor, e.devMinor, e.rdevMajor, e.rdevMinor, name.length + 1, 0];
  const text = '070701' + fields.map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
  const total = NEWC_HEADER + name.length + 1;
  const out = new Uint8Array(total + pad4(total));
  out.set(new TextEncoder().encode(text));
  out.set(name, NEWC_HEADER);
  return out;
}

/** A complete newc archive from in-memory entries (small test archives). */
export function buildCpio(entries: Array<Partial<Omit<CpioEntry, 'offset' | 'fileIndex'>> & { name: string; data?: Uint8Array }>): Uint8Array {
  const parts: Uint8Array[] = [];
  let ino = 1;
  for (const e of [...entries, { name: TRAILER, mode: 0, nlink: 1 }]) {
    const data = 'data' in e && e.data ? e.data : new Uint8Array(0);
    parts.push(
      cpioNewcHeader({
        name: e.name,
        ino: e.ino ?? ino++,
        mode: e.mode ?? 0o100644,
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        nlink: e.nlink ?? 1,
        mtime: e.mtime ?? 0,
        size: e.size ?? data.length,
        devMajor: 0,
        devMinor: 0,
        rdevMajor: 0,
        rdevMinor: 0,
      }),
    );
    parts.push(data, new Uint8Array(pad4(data.length)));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let q = 0;
  for (const p of parts) {
    out.set(p, q);
    q += p.length;
  }
  return out;
}
