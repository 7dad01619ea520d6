import { InvalidArgumentError, ParseError } from '@tsostree/errors';
import { decodeConfigText, utf8Length } from './text.js';

/**
 * One Boot Loader Specification entry (`boot/loader.N/entries/*.conf`) as ostree reads and
 * writes it (ostree-bootconfig-parser.c).
 *
 * The six keys ostree knows are fields; a second and later `initrd` line are `overlayInitrds`
 * (initramfs overlays, ostree ≥ 2020.7); every other key is kept in `extra`, in file order.
 */
export interface BlsEntry {
  title?: string;
  version?: string;
  options?: string;
  devicetree?: string;
  linux?: string;
  initrd?: string;
  /** Extra `initrd` lines after the first one, in order. */
  overlayInitrds: string[];
  /** Any other `key value` lines (`fdtdir`, `aboot`, `bls-append-except-default` pairs…), in order. */
  extra: Array<[key: string, value: string]>;
}

/** The keys ostree writes first, in this order (the BLS specification's example order). */
export const BLS_KNOWN_KEYS = ['title', 'version', 'options', 'devicetree', 'linux', 'initrd'] as const;
export type BlsKnownKey = (typeof BLS_KNOWN_KEYS)[number];

const KNOWN = new Set<string>(BLS_KNOWN_KEYS);

export interface ParseBlsEntryOptions {
  /** Keys that must be present; default `['linux']` (every ostree backend needs a kernel). */
  requiredKeys?: readonly string[];
  /** Largest accepted file, in bytes; default 64 KiB (ostree's own entries are a few hundred bytes). */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 64 * 1024;
const KEY_RE = /^[A-Za-z][A-Za-z0-9_.:+-]*$/;
// C0 controls other than TAB, and DEL: never valid in an entry line.
const CONTROL_RE = /[\x00-\x08\x0a-\x1f\x7f]/;

/** A new, empty entry. */
export function emptyBlsEntry(): BlsEntry {
  return { overlayInitrds: [], extra: [] };
}

/**
 * Parses an entry. Lines are `key<space or tab>value`; blank lines and `#` comments are
 * allowed. Keys are split at the first space or tab, as ostree does, and the value keeps
 * everything after that one separator. Unlike ostree (which silently skips what it cannot
 * read), anything else is a {@link ParseError} with the byte offset of the bad line: a line
 * starting with whitespace or punctuation, a key without a value, control characters, a NUL
 * byte, invalid UTF-8, a repeated single-valued key, a file above `maxBytes`, or a missing
 * required key (offset = end of file).
 */
export function parseBlsEntry(input: Uint8Array | string, options: ParseBlsEntryOptions = {}): BlsEntry {
  const text = decodeConfigText(input, 'BLS entry', options.maxBytes ?? DEFAULT_MAX_BYTES);
  const entry = emptyBlsEntry();
  // One pass over the text; offsets are tracked in UTF-16 units and turned into byte offsets
  // only for an error.
  const byteOffset = (chars: number) => utf8Length(text.slice(0, chars));
  const len = text.length;
  let lineStart = 0;
  for (let n = 1; lineStart <= len; n++) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = len;
    const first = text.charCodeAt(lineStart);
    if (lineEnd === lineStart || first === 0x23 /* # */) {
      lineStart = lineEnd + 1;
      continue;
    }
    // Scan: key characters up to the first space or tab, and control characters anywhere.
    let sep = -1;
    for (let i = lineStart; i < lineEnd; i++) {
      const c = text.charCodeAt(i);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) {
        throw new ParseError(`BLS entry line ${n}: control character 0x${c.toString(16)}`, { offset: byteOffset(i) });
      }
      if (sep === -1 && (c === 0x20 || c === 0x09)) sep = i;
    }
    const key = text.slice(lineStart, sep === -1 ? lineEnd : sep);
    if (!KEY_RE.test(key)) {
      throw new ParseError(`BLS entry line ${n}: expected "key value", got ${JSON.stringify(text.slice(lineStart, Math.min(lineEnd, lineStart + 40)))}`, {
        offset: byteOffset(lineStart),
      });
    }
    if (sep === -1) {
      throw new ParseError(`BLS entry line ${n}: key "${key}" has no value`, { offset: byteOffset(lineStart) });
    }
    const value = text.slice(sep + 1, lineEnd);
    switch (key) {
      case 'title':
      case 'version':
      case 'options':
      case 'devicetree':
      case 'linux':
      case 'initrd':
        if (key === 'initrd' && entry.initrd !== undefined) {
          entry.overlayInitrds.push(value);
        } else if (entry[key] !== undefined) {
          throw new ParseError(`BLS entry line ${n}: repeated key "${key}"`, { offset: byteOffset(lineStart) });
        } else {
          entry[key] = value;
        }
        break;
      default:
        entry.extra.push([key, value]);
    }
    lineStart = lineEnd + 1;
  }
  for (const key of options.requiredKeys ?? ['linux']) {
    if (getBlsValue(entry, key) === undefined) {
      throw new ParseError(`BLS entry: missing required key "${key}"`, { offset: utf8Length(text) });
    }
  }
  return entry;
}

/** The value of `key` (the last one for repeated unknown keys, the first `initrd`), or undefined. */
export function getBlsValue(entry: BlsEntry, key: string): string | undefined {
  if (KNOWN.has(key)) return entry[key as BlsKnownKey];
  for (let i = entry.extra.length - 1; i >= 0; i--) if (entry.extra[i][0] === key) return entry.extra[i][1];
  return undefined;
}

/**
 * Sets `key` like `ostree_bootconfig_parser_set`: a known key becomes that field; an unknown key
 * replaces every earlier line with that key (keeping the position of the first) or is appended.
 */
export function setBlsValue(entry: BlsEntry, key: string, value: string): void {
  checkKey(key);
  checkValue(key, value);
  if (KNOWN.has(key)) {
    entry[key as BlsKnownKey] = value;
    return;
  }
  const first = entry.extra.findIndex(([k]) => k === key);
  if (first === -1) {
    entry.extra.push([key, value]);
    return;
  }
  entry.extra[first] = [key, value];
  entry.extra = entry.extra.filter(([k], i) => k !== key || i === first);
}

function checkKey(key: string): void {
  if (!KEY_RE.test(key)) throw new InvalidArgumentError(`invalid BLS key ${JSON.stringify(key)}`);
}

function checkValue(key: string, value: string): void {
  if (typeof value !== 'string' || CONTROL_RE.test(value)) {
    throw new InvalidArgumentError(`invalid value for BLS key "${key}": control characters are not allowed`);
  }
}

/**
 * Writes an entry exactly as ostree does (`ostree_bootconfig_parser_write_at`): the known keys
 * in the order title, version, options, devicetree, linux, initrd (those that are set), then the
 * overlay `initrd` lines, then the other keys in their order; each line is `key value\n` with
 * one space.
 */
export function writeBlsEntry(entry: BlsEntry): string {
  let out = '';
  for (const key of BLS_KNOWN_KEYS) {
    const value = entry[key];
    if (value === undefined) continue;
    checkValue(key, value);
    out += `${key} ${value}\n`;
  }
  if (entry.overlayInitrds.length > 0) {
    if (entry.initrd === undefined) {
      throw new InvalidArgumentError('BLS entry has overlay initrds but no primary initrd');
    }
    for (const value of entry.overlayInitrds) {
      checkValue('initrd', value);
      out += `initrd ${value}\n`;
    }
  }
  for (const [key, value] of entry.extra) {
    checkKey(key);
    if (KNOWN.has(key)) throw new InvalidArgumentError(`BLS key "${key}" must be set as a field, not in extra`);
    checkValue(key, value);
    out += `${key} ${value}\n`;
  }
  return out;
}

/** {@link writeBlsEntry} as UTF-8 bytes. */
export function writeBlsEntryBytes(entry: BlsEntry): Uint8Array {
  return new TextEncoder().encode(writeBlsEntry(entry));
}
