import { ParseError } from '@tsostree/errors';

// Input is validated by firstInvalidUtf8Offset first, so a non-fatal decoder gives the same result (faster).
const decoder = new TextDecoder('utf-8');

/** The byte offset of the first byte that is not part of a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Decodes text a bootloader file must hold: valid UTF-8, no NUL byte, at most `maxBytes` long.
 * `what` names the file in error messages.
 */
export function decodeConfigText(input: Uint8Array | string, what: string, maxBytes: number): string {
  if (typeof input === 'string') {
    // A JS string is valid UTF-8 unless it has lone surrogates; only measure it when it could be too big.
    if (input.length * 3 > maxBytes && utf8Length(input) > maxBytes) return decodeConfigText(new TextEncoder().encode(input), what, maxBytes);
    const nul = input.indexOf('\0');
    if (nul !== -1) throw new ParseError(`${what}: NUL byte`, { offset: utf8Length(input.slice(0, nul)) });
    if (/[\uD800-\uDFFF]/.test(input) && !isWellFormedString(input)) {
      return decodeConfigText(new TextEncoder().encode(input), what, maxBytes);
    }
    return input;
  }
  if (input.length > maxBytes) {
    throw new ParseError(`${what}: file is ${input.length} bytes, more than the limit of ${maxBytes}`, {
      offset: maxBytes,
    });
  }
  const nul = input.indexOf(0);
  if (nul !== -1) throw new ParseError(`${what}: NUL byte`, { offset: nul });
  const bad = firstInvalidUtf8Offset(input);
  if (bad !== -1) throw new ParseError(`${what}: invalid UTF-8`, { offset: bad });
  return decoder.decode(input);
}

function isWellFormedString(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i += 1;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/** Byte length of `text` in UTF-8 (to turn string positions into byte offsets). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i += 1;
    } else n += 3;
  }
  return n;
}

/**
 * GLib's `g_strsplit(text, "\n", -1)`: an empty string gives no pieces at all, anything else
 * gives one more piece than it has separators.
 */
export function splitLines(text: string): string[] {
  return text === '' ? [] : text.split('\n');
}

/**
 * ostree's `_ostree_sysroot_join_lines`: each line followed by `\n`, except that empty lines are
 * dropped when they come first or after the first empty line already written (ostree never
 * resets that flag, so only one blank line survives in a whole file).
 */
export function joinLinesOstree(lines: readonly string[]): string {
  let out = '';
  let sawEmpty = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') {
      if (sawEmpty || i === 0) continue;
      sawEmpty = true;
    }
    out += line + '\n';
  }
  return out;
}
