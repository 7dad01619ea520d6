/**
 * glibc's `strverscmp`: compares strings, treating digit runs as numbers; a digit run with
 * leading zeros is a fractional part ("000" < "00" < "01" < "010" < "09" < "0" < "1" < "9" <
 * "10"). ostree sorts BLS entries with it (on the `version` key, descending).
 * Works on UTF-16 code units, which orders ASCII exactly like glibc's byte comparison.
 */
export function strverscmp(a: string, b: string): number {
  // State machine from glibc: S_N normal, S_I integer, S_F fractional, S_Z leading zeros.
  const S_N = 0x0;
  const S_I = 0x3;
  const S_F = 0x6;
  const S_Z = 0x9;
  const CMP = 2;
  const LEN = 3;
  const next_state = [
    /* S_N */ S_N, S_I, S_Z,
    /* S_I */ S_N, S_I, S_I,
    /* S_F */ S_N, S_F, S_F,
    /* S_Z */ S_N, S_F, S_Z,
  ];
  const result_type = [
    /* S_N */ CMP, CMP, CMP, CMP, LEN, CMP, CMP, CMP, CMP,
    /* S_I */ CMP, -1, -1, +1, LEN, LEN, +1, LEN, LEN,
    /* S_F */ CMP, CMP, CMP, CMP, CMP, CMP, CMP, CMP, CMP,
    /* S_Z */ CMP, +1, +1, -1, CMP, CMP, -1, CMP, CMP,
  ];
  const cls = (c: number): number => (c === 0x30 ? 2 : c >= 0x31 && c <= 0x39 ? 1 : 0);
  const isdigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const at = (s: string, k: number): number => (k < s.length ? s.charCodeAt(k) : 0);
  let c1 = at(a, i++);
  let c2 = at(b, j++);
  let state = S_N + cls(c1);
  let diff: number;
  while ((diff = c1 - c2) === 0) {
    if (c1 === 0) return diff;
    state = next_state[state];
    c1 = at(a, i++);
    c2 = at(b, j++);
    state += cls(c1);
  }
  const r = result_type[state * 3 + cls(c2)];
  switch (r) {
    case CMP:
      return diff;
    case LEN:
      while (isdigit(at(a, i++))) if (!isdigit(at(b, j++))) return 1;
      return isdigit(at(b, j)) ? -1 : diff;
    default:
      return r;
  }
}
