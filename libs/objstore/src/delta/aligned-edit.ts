/**
 * Files edited in place — the same bytes at the same offsets except a few, possibly grown or
 * shrunk at the end (a patched version string, a config value) — are sent as copy instructions
 * rather than a bsdiff patch: ranges taken from the old object (delta `write` operations with a
 * read source, what ostree's rollsum matches produce) and the changed bytes as literals. The part
 * then carries only the changed bytes, and applying it is a copy, where a bsdiff patch would carry
 * (and xz would have to inflate) a difference byte for every byte of the file. Pure, no I/O.
 */

/** A piece of the new file: bytes copied from the old file, or literal bytes of the new one. */
export type EditSegment = { from: 'old'; offset: number; length: number } | { from: 'new'; offset: number; length: number };

/** Files below this size go through bsdiff, whose patches are as small and cheap there. */
export const ALIGNED_EDIT_MIN_SIZE = 64 * 1024;
/** At most this share of the common length may differ. */
const MAX_CHANGED = 0.02;
/** Differences closer than this are sent as one literal run (fewer operations). */
const MERGE_GAP = 32;
/** At most this many segments (operations) per file. */
const MAX_SEGMENTS = 4096;

/**
 * The segments rebuilding `neu` from `old` when `neu` is an in-place edit of `old`, else
 * undefined (shifted content, too many changes: leave it to bsdiff).
 */
export function alignedEdit(old: Uint8Array, neu: Uint8Array): EditSegment[] | undefined {
  const common = Math.min(old.length, neu.length);
  if (common < ALIGNED_EDIT_MIN_SIZE || common < neu.length * 0.9) return undefined;
  let budget = Math.floor(common * MAX_CHANGED);
  const out: EditSegment[] = [];
  let copyFrom = 0;
  let i = 0;
  while (i < common) {
    if (old[i] === neu[i]) {
      i++;
      continue;
    }
    // A run of differences, extended over equal gaps shorter than MERGE_GAP.
    const start = i;
    let end = i + 1;
    let j = end;
    while (j < common && j - end < MERGE_GAP) {
      if (old[j] !== neu[j]) end = j + 1;
      j++;
    }
    budget -= end - start;
    if (budget < 0) return undefined;
    if (start > copyFrom) out.push({ from: 'old', offset: copyFrom, length: start - copyFrom });
    out.push({ from: 'new', offset: start, length: end - start });
    if (out.length > MAX_SEGMENTS) return undefined;
    copyFrom = end;
    i = end;
  }
  if (common > copyFrom) out.push({ from: 'old', offset: copyFrom, length: common - copyFrom });
  if (neu.length > common) out.push({ from: 'new', offset: common, length: neu.length - common });
  // Adjacent literal runs (a change right before the grown tail) are merged.
  const merged: EditSegment[] = [];
  for (const s of out) {
    const last = merged[merged.length - 1];
    if (last && last.from === 'new' && s.from === 'new' && last.offset + last.length === s.offset) last.length += s.length;
    else merged.push({ ...s });
  }
  return merged;
}

/** Rebuilds the new file from the old one and the segments (tests; the delta executor does this). */
export function applyAlignedEdit(old: Uint8Array, neu: Uint8Array, segments: readonly EditSegment[]): Uint8Array {
  const size = segments.reduce((n, s) => n + s.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const s of segments) {
    out.set((s.from === 'old' ? old : neu).subarray(s.offset, s.offset + s.length), at);
    at += s.length;
  }
  return out;
}
