/**
 * rpm's version comparison (`rpmvercmp`, rpmio/rpmvercmp.c) and EVR ordering.
 *
 * A version is compared segment by segment: runs of ASCII digits compare numerically (leading
 * zeros ignored, longer wins), runs of ASCII letters compare with strcmp, a number beats a letter
 * run, other characters only separate segments. `~` sorts before anything (even the end of the
 * string), `^` sorts after the end of the string but before anything else.
 */

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const TILDE = 0x7e;
const CARET = 0x5e;

/** Compares two version (or release) strings as rpm does: -1, 0 or 1. */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const end = -1;
  const at = (s: string, i: number): number => (i < s.length ? s.charCodeAt(i) : end);
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlpha(at(a, i)) && !isDigit(at(a, i)) && at(a, i) !== TILDE && at(a, i) !== CARET) i++;
    while (j < b.length && !isAlpha(at(b, j)) && !isDigit(at(b, j)) && at(b, j) !== TILDE && at(b, j) !== CARET) j++;

    const ca = at(a, i);
    const cb = at(b, j);
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === CARET || cb === CARET) {
      if (ca === end) return -1;
      if (cb === end) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === end || cb === end) break;

    const numeric = isDigit(ca);
    const inSegment = numeric ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (ei < a.length && inSegment(at(a, ei))) ei++;
    while (ej < b.length && inSegment(at(b, ej))) ej++;
    if (ej === j) return numeric ? 1 : -1;

    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (numeric) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

export interface Evr {
  epoch?: number | string | null;
  version: string;
  release?: string | null;
}

/** Compares epoch:version-release as rpm does (`rpmVersionCompare`): a missing epoch is 0. */
export function compareEvr(a: Evr, b: Evr): -1 | 0 | 1 {
  const ea = Number(a.epoch ?? 0);
  const eb = Number(b.epoch ?? 0);
  if (ea !== eb) return ea < eb ? -1 : 1;
  const v = rpmvercmp(a.version, b.version);
  if (v !== 0) return v;
  return rpmvercmp(a.release ?? '', b.release ?? '');
}
