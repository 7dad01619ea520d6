/**
 * bsdiff/bspatch in the form ostree embeds in static deltas (the "endsley" bsdiff library API):
 * the patch is the raw stream of records, with no header and no compression of its own (the
 * delta part is xz-compressed as a whole). Each record is three signed 64-bit integers in
 * bsdiff's sign-magnitude little-endian encoding — `add` length, `copy` length, old-position
 * seek — then `add` bytes to be added to the old file's bytes, then `copy` literal bytes.
 *
 * The diff side is Colin Percival's algorithm: a suffix array of the old file (Larsson–Sadakane
 * qsufsort), then a scan of the new file for approximate matches. Pure functions, no I/O.
 */
import { CorruptError, InvalidArgumentError } from '@tsostree/errors';

const MAX_OFF = 2 ** 48;
const ZERO_BLOCK = 512;
const ZEROS = Buffer.alloc(ZERO_BLOCK);

function readOff(b: Uint8Array, at: number): number {
  let v = b[at + 7]! & 0x7f;
  for (let i = 6; i >= 0; i--) v = v * 256 + b[at + i]!;
  if (v > MAX_OFF) return Number.NaN;
  return b[at + 7]! & 0x80 ? -v : v;
}

function writeOff(out: Uint8Array, at: number, value: number): void {
  let v = Math.abs(value);
  for (let i = 0; i < 8; i++) {
    out[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
  if (value < 0) out[at + 7]! |= 0x80;
}

/**
 * Applies a patch to `old`, producing exactly `newSize` bytes. Every record is bounds-checked:
 * a malformed or hostile patch throws `CorruptError`, it never reads or writes out of range.
 */
export function bspatch(old: Uint8Array, patch: Uint8Array, newSize: number, into?: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(newSize) || newSize < 0) throw new InvalidArgumentError(`invalid bspatch output size ${newSize}`);
  // Every output byte is written below, so a reused buffer needs no clearing.
  const out = into && into.length >= newSize ? into.subarray(0, newSize) : new Uint8Array(newSize);
  const bad = (why: string): CorruptError => new CorruptError(`corrupt bsdiff patch: ${why}`);
  let p = 0;
  let newPos = 0;
  let oldPos = 0;
  while (newPos < newSize) {
    if (p + 24 > patch.length) throw bad('truncated control record');
    const add = readOff(patch, p);
    const copy = readOff(patch, p + 8);
    const seek = readOff(patch, p + 16);
    p += 24;
    if (!(add >= 0) || !(copy >= 0) || Number.isNaN(seek)) throw bad('invalid control record');
    if (newPos + add > newSize) throw bad('add runs past the output');
    if (p + add > patch.length) throw bad('truncated add data');
    // Bytes of the add run that fall outside the old file take 0 as their old value.
    const lo = Math.min(add, Math.max(0, -oldPos));
    const hi = Math.max(lo, Math.min(add, old.length - oldPos));
    out.set(patch.subarray(p, p + lo), newPos);
    // Copy the old bytes, then add the differences, which are mostly zero: all-zero blocks are
    // recognised by a native compare and skipped.
    out.set(old.subarray(oldPos + lo, oldPos + hi), newPos + lo);
    for (let i = lo; i < hi; i += ZERO_BLOCK) {
      const n = Math.min(ZERO_BLOCK, hi - i);
      const s = p + i;
      if (n === ZERO_BLOCK && ZEROS.equals(patch.subarray(s, s + n))) continue;
      for (let k = 0, d = newPos + i; k < n; k++, d++) {
        const v = patch[s + k]!;
        if (v !== 0) out[d] = out[d]! + v;
      }
    }
    out.set(patch.subarray(p + hi, p + add), newPos + hi);
    p += add;
    newPos += add;
    oldPos += add;
    if (newPos + copy > newSize) throw bad('copy runs past the output');
    if (p + copy > patch.length) throw bad('truncated copy data');
    out.set(patch.subarray(p, p + copy), newPos);
    p += copy;
    newPos += copy;
    oldPos += seek;
    if (Math.abs(oldPos) > MAX_OFF) throw bad('seek out of range');
  }
  return out;
}

// ---- suffix sorting (Larsson–Sadakane) ----

function split(I: Int32Array, V: Int32Array, start: number, len: number, h: number): void {
  for (;;) {
    if (len < 16) {
      for (let k = start; k < start + len; ) {
        let j = 1;
        let x = V[I[k]! + h]!;
        for (let i = 1; k + i < start + len; i++) {
          const y = V[I[k + i]! + h]!;
          if (y < x) {
            x = y;
            j = 0;
          }
          if (y === x) {
            const t = I[k + j]!;
            I[k + j] = I[k + i]!;
            I[k + i] = t;
            j++;
          }
        }
        for (let i = 0; i < j; i++) V[I[k + i]!] = k + j - 1;
        if (j === 1) I[k] = -1;
        k += j;
      }
      return;
    }
    const x = V[I[start + (len >> 1)]! + h]!;
    let jj = 0;
    let kk = 0;
    for (let i = start; i < start + len; i++) {
      const y = V[I[i]! + h]!;
      if (y < x) jj++;
      else if (y === x) kk++;
    }
    jj += start;
    kk += jj;
    let i = start;
    let j = 0;
    let k = 0;
    while (i < jj) {
      const y = V[I[i]! + h]!;
      if (y < x) i++;
      else if (y === x) {
        const t = I[i]!;
        I[i] = I[jj + j]!;
        I[jj + j] = t;
        j++;
      } else {
        const t = I[i]!;
        I[i] = I[kk + k]!;
        I[kk + k] = t;
        k++;
      }
    }
    while (jj + j < kk) {
      if (V[I[jj + j]! + h] === x) j++;
      else {
        const t = I[jj + j]!;
        I[jj + j] = I[kk + k]!;
        I[kk + k] = t;
        k++;
      }
    }
    if (jj > start) split(I, V, start, jj - start, h);
    for (let q = 0; q < kk - jj; q++) V[I[jj + q]!] = kk - 1;
    if (jj === kk - 1) I[jj] = -1;
    if (start + len <= kk) return;
    const end = start + len;
    start = kk;
    len = end - kk;
  }
}

/** The suffix array of `old` (with the empty suffix first), as bsdiff builds it. */
export function suffixArray(old: Uint8Array): Int32Array {
  const n = old.length;
  const I = new Int32Array(n + 1);
  const V = new Int32Array(n + 1);
  const buckets = new Int32Array(256);
  for (let i = 0; i < n; i++) buckets[old[i]!]!++;
  for (let i = 1; i < 256; i++) buckets[i]! += buckets[i - 1]!;
  for (let i = 255; i > 0; i--) buckets[i] = buckets[i - 1]!;
  buckets[0] = 0;
  for (let i = 0; i < n; i++) I[++buckets[old[i]!]!] = i;
  I[0] = n;
  for (let i = 0; i < n; i++) V[i] = buckets[old[i]!]!;
  V[n] = 0;
  for (let i = 1; i < 256; i++) if (buckets[i] === buckets[i - 1]! + 1) I[buckets[i]!] = -1;
  I[0] = -1;
  for (let h = 1; I[0] !== -(n + 1); h += h) {
    let len = 0;
    let i = 0;
    while (i < n + 1) {
      if (I[i]! < 0) {
        len -= I[i]!;
        i -= I[i]!;
      } else {
        if (len) I[i - len] = -len;
        len = V[I[i]!]! + 1 - i;
        split(I, V, i, len, h);
        i += len;
        len = 0;
      }
    }
    if (len) I[i - len] = -len;
  }
  for (let i = 0; i < n + 1; i++) I[V[i]!] = i;
  return I;
}

function matchLen(a: Uint8Array, ai: number, b: Uint8Array, bi: number): number {
  const max = Math.min(a.length - ai, b.length - bi);
  let i = 0;
  while (i < max && a[ai + i] === b[bi + i]) i++;
  return i;
}

/** Compares old[from..] with neu[at..] over their common length: < 0 when the old suffix sorts first. */
function compare(old: Uint8Array, from: number, neu: Uint8Array, at: number): number {
  const max = Math.min(old.length - from, neu.length - at);
  for (let i = 0; i < max; i++) {
    const d = old[from + i]! - neu[at + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Longest match of neu[at..] among the old file's suffixes: [length, position]. */
function search(I: Int32Array, old: Uint8Array, neu: Uint8Array, at: number): [number, number] {
  let st = 0;
  let en = old.length;
  while (en - st >= 2) {
    const x = st + ((en - st) >> 1);
    if (compare(old, I[x]!, neu, at) < 0) st = x;
    else en = x;
  }
  const x = matchLen(old, I[st]!, neu, at);
  const y = matchLen(old, I[en]!, neu, at);
  return x > y ? [x, I[st]!] : [y, I[en]!];
}

class Growable {
  buf = new Uint8Array(4096);
  len = 0;
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/** Inputs below this size always take the full algorithm (the suffix sort is cheap there). */
const ALIGNED_MIN_SIZE = 64 * 1024;
/** Share of bytes that may differ at the same offsets for the aligned patch to be used. */
const ALIGNED_MAX_CHANGED = 0.02;

/**
 * The patch for a file edited in place — same bytes at the same offsets except a few, possibly
 * grown or shrunk at the end — built in one linear pass: one record adding the byte differences
 * (mostly zeros, which the part's xz squeezes to almost nothing) over the common length, then the
 * new tail as literal bytes. It is what the full algorithm finds for such files too, without
 * sorting every suffix of the old file. Returns undefined when the files are not aligned so.
 */
function alignedPatch(old: Uint8Array, neu: Uint8Array): Uint8Array | undefined {
  const common = Math.min(old.length, neu.length);
  if (common < ALIGNED_MIN_SIZE || common < neu.length * 0.9) return undefined;
  let budget = Math.floor(common * ALIGNED_MAX_CHANGED);
  for (let i = 0; i < common; i++) if (old[i] !== neu[i] && --budget < 0) return undefined;
  const out = new Uint8Array(24 + neu.length);
  writeOff(out, 0, common);
  writeOff(out, 8, neu.length - common);
  writeOff(out, 16, 0);
  for (let i = 0; i < common; i++) out[24 + i] = neu[i]! - old[i]!;
  out.set(neu.subarray(common), 24 + common);
  return out;
}

/** A patch turning `old` into `neu` (see {@link bspatch}). */
export function bsdiff(old: Uint8Array, neu: Uint8Array): Uint8Array {
  const aligned = alignedPatch(old, neu);
  if (aligned) return aligned;
  const I = suffixArray(old);
  const oldSize = old.length;
  const newSize = neu.length;
  const out = new Growable();
  let scan = 0;
  let len = 0;
  let pos = 0;
  let lastScan = 0;
  let lastPos = 0;
  let lastOffset = 0;
  while (scan < newSize) {
    let oldScore = 0;
    let scsc = (scan += len);
    for (; scan < newSize; scan++) {
      [len, pos] = search(I, old, neu, scan);
      for (; scsc < scan + len; scsc++) if (scsc + lastOffset < oldSize && old[scsc + lastOffset] === neu[scsc]) oldScore++;
      if ((len === oldScore && len !== 0) || len > oldScore + 8) break;
      if (scan + lastOffset < oldSize && old[scan + lastOffset] === neu[scan]) oldScore--;
    }
    if (len !== oldScore || scan === newSize) {
      let s = 0;
      let sf = 0;
      let lenf = 0;
      for (let i = 0; lastScan + i < scan && lastPos + i < oldSize; ) {
        if (old[lastPos + i] === neu[lastScan + i]) s++;
        i++;
        if (s * 2 - i > sf * 2 - lenf) {
          sf = s;
          lenf = i;
        }
      }
      let lenb = 0;
      if (scan < newSize) {
        let sb = 0;
        s = 0;
        for (let i = 1; scan >= lastScan + i && pos >= i; i++) {
          if (old[pos - i] === neu[scan - i]) s++;
          if (s * 2 - i > sb * 2 - lenb) {
            sb = s;
            lenb = i;
          }
        }
      }
      if (lastScan + lenf > scan - lenb) {
        const overlap = lastScan + lenf - (scan - lenb);
        s = 0;
        let ss = 0;
        let lens = 0;
        for (let i = 0; i < overlap; i++) {
          if (neu[lastScan + lenf - overlap + i] === old[lastPos + lenf - overlap + i]) s++;
          if (neu[scan - lenb + i] === old[pos - lenb + i]) s--;
          if (s > ss) {
            ss = s;
            lens = i + 1;
          }
        }
        lenf += lens - overlap;
        lenb -= lens;
      }
      const copy = scan - lenb - (lastScan + lenf);
      out.reserve(24 + lenf + copy);
      writeOff(out.buf, out.len, lenf);
      writeOff(out.buf, out.len + 8, copy);
      writeOff(out.buf, out.len + 16, pos - lenb - (lastPos + lenf));
      out.len += 24;
      for (let i = 0; i < lenf; i++) out.buf[out.len + i] = (neu[lastScan + i]! - old[lastPos + i]!) & 0xff;
      out.len += lenf;
      out.buf.set(neu.subarray(lastScan + lenf, lastScan + lenf + copy), out.len);
      out.len += copy;
      lastScan = scan - lenb;
      lastPos = pos - lenb;
      lastOffset = pos - scan;
    }
  }
  return out.buf.slice(0, out.len);
}
