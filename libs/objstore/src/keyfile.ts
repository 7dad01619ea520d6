import { InvalidArgumentError, NotFoundError, ParseError } from '@tsostree/errors';

/**
 * A GKeyFile-compatible key file (the format of ostree's repo `config`, origin files, `.repo` files
 * and remotes.d). Parsing keeps every line, so comments, blank lines and key order survive a
 * round-trip; values are stored raw (escaped) and decoded on access, like GLib.
 *
 * Rules followed (GLib gkeyfile.c behaviour): `#` starts a comment line, `[name]` opens a group,
 * `key=value` with whitespace around `=` trimmed; escapes `\s \n \t \r \\` (and `\;` inside lists);
 * lists are `;`-separated with a trailing `;` when written; duplicate groups merge; a later
 * duplicate key wins.
 */

type Line = { kind: 'comment'; text: string } | { kind: 'entry'; key: string; raw: string; text?: string };

interface Group {
  name: string;
  lines: Line[];
}

const GROUP_NAME_BAD = /[\][\n\r\0]/;
const KEY_BAD = /[=\n\r\0[\]]|^\s|\s$/;

function validateGroupName(name: string): void {
  if (name.length === 0 || GROUP_NAME_BAD.test(name) || /[\x00-\x1f]/.test(name)) {
    throw new InvalidArgumentError(`invalid key file group name ${JSON.stringify(name)}`);
  }
}

function validateKey(key: string): void {
  if (key.length === 0 || KEY_BAD.test(key) || key.includes('\0')) {
    throw new InvalidArgumentError(`invalid key file key ${JSON.stringify(key)}`);
  }
}

/** Decodes a GKeyFile value escape sequence; `list` also unescapes `\;` (done by the list splitter). */
function unescapeValue(raw: string, offset = 0): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = raw[++i];
    switch (n) {
      case 's':
        out += ' ';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      case ';':
        out += '\\;';
        break;
      case undefined:
        throw new ParseError('key file value ends with a lone backslash', { offset: offset + i - 1 });
      default:
        throw new ParseError(`invalid escape sequence \\${n} in key file value`, { offset: offset + i - 1 });
    }
  }
  return out;
}

function escapeValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === ' ' && i === 0) out += '\\s';
    else if (c === '\t' && i === 0) out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\\') out += '\\\\';
    else out += c;
  }
  return out;
}

export class KeyFile {
  /** Lines before the first group (comments, blank lines). */
  private readonly head: Line[] = [];
  private readonly groups: Group[] = [];

  /** Parses key-file text. Throws `ParseError` (with a byte offset) on malformed input. */
  static parse(text: string): KeyFile {
    const kf = new KeyFile();
    let current: Group | undefined;
    let offset = 0;
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    for (const rawLine of lines) {
      const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
      const trimmed = line.replace(/^[ \t]+/, '');
      if (trimmed === '' || trimmed.startsWith('#')) {
        (current ? current.lines : kf.head).push({ kind: 'comment', text: line });
      } else if (trimmed.startsWith('[')) {
        const end = trimmed.indexOf(']');
        if (end < 0 || trimmed.slice(end + 1).trim() !== '') {
          throw new ParseError(`invalid key file group line ${JSON.stringify(line.slice(0, 80))}`, { offset });
        }
        const name = trimmed.slice(1, end);
        if (name.length === 0 || /[\x00-\x1f[]/.test(name)) {
          throw new ParseError(`invalid key file group name ${JSON.stringify(name)}`, { offset });
        }
        current = kf.groups.find((g) => g.name === name);
        if (!current) {
          current = { name, lines: [] };
          kf.groups.push(current);
        }
      } else {
        const eq = trimmed.indexOf('=');
        if (eq < 0) throw new ParseError(`key file line is not a key=value pair: ${JSON.stringify(line.slice(0, 80))}`, { offset });
        if (!current) throw new ParseError('key file has a key before the first group', { offset });
        const key = trimmed.slice(0, eq).replace(/[ \t]+$/, '');
        if (key.length === 0) throw new ParseError('key file line has an empty key', { offset });
        const raw = trimmed.slice(eq + 1).replace(/^[ \t]+/, '');
        // Validate escapes now so that bad input fails at parse time with an offset.
        unescapeValue(raw, offset + (line.length - raw.length));
        const existing = current.lines.findIndex((l) => l.kind === 'entry' && l.key === key);
        if (existing >= 0) current.lines.splice(existing, 1);
        current.lines.push({ kind: 'entry', key, raw, text: line });
      }
      offset += Buffer.byteLength(rawLine) + 1;
    }
    return kf;
  }

  /** Serializes back to text; unchanged parts keep their original bytes. */
  toString(): string {
    const out: string[] = [];
    const emit = (l: Line): void => {
      out.push(l.kind === 'comment' ? l.text : (l.text ?? `${l.key}=${l.raw}`));
    };
    this.head.forEach(emit);
    for (const g of this.groups) {
      out.push(`[${g.name}]`);
      g.lines.forEach(emit);
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }

  getGroups(): string[] {
    return this.groups.map((g) => g.name);
  }

  hasGroup(group: string): boolean {
    return this.groups.some((g) => g.name === group);
  }

  getKeys(group: string): string[] {
    return this.requireGroup(group)
      .lines.filter((l): l is Extract<Line, { kind: 'entry' }> => l.kind === 'entry')
      .map((l) => l.key);
  }

  hasKey(group: string, key: string): boolean {
    return this.rawValue(group, key) !== undefined;
  }

  /** The raw (still escaped) value, or undefined. */
  rawValue(group: string, key: string): string | undefined {
    const g = this.groups.find((x) => x.name === group);
    const l = g?.lines.find((x) => x.kind === 'entry' && x.key === key);
    return l && l.kind === 'entry' ? l.raw : undefined;
  }

  /** The unescaped string value, or undefined when the group or key is missing. */
  getString(group: string, key: string): string | undefined {
    const raw = this.rawValue(group, key);
    return raw === undefined ? undefined : unescapeValue(raw).replace(/\\;/g, ';');
  }

  /** Like getString but throws NotFoundError. */
  requireString(group: string, key: string): string {
    const v = this.getString(group, key);
    if (v === undefined) throw new NotFoundError(`key file has no key ${JSON.stringify(key)} in group [${group}]`);
    return v;
  }

  getBoolean(group: string, key: string): boolean | undefined {
    const raw = this.getString(group, key);
    if (raw === undefined) return undefined;
    const v = raw.trim();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new ParseError(`key ${JSON.stringify(key)} in group [${group}] is not a boolean: ${JSON.stringify(raw)}`);
  }

  getInteger(group: string, key: string): number | undefined {
    const raw = this.getString(group, key);
    if (raw === undefined) return undefined;
    const v = raw.trim();
    if (!/^[-+]?\d+$/.test(v)) {
      throw new ParseError(`key ${JSON.stringify(key)} in group [${group}] is not an integer: ${JSON.stringify(raw)}`);
    }
    return Number.parseInt(v, 10);
  }

  /** A `;`-separated list (`\;` escapes a separator); the trailing `;` is optional. */
  getStringList(group: string, key: string): string[] | undefined {
    const raw = this.rawValue(group, key);
    if (raw === undefined) return undefined;
    const items: string[] = [];
    let cur = '';
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (c === '\\' && raw[i + 1] === ';') {
        cur += '\\;';
        i++;
      } else if (c === '\\' && i + 1 < raw.length) {
        cur += c + raw[i + 1]!;
        i++;
      } else if (c === ';') {
        items.push(cur);
        cur = '';
      } else {
        cur += c;
      }
    }
    if (cur !== '') items.push(cur);
    return items.map((it) => unescapeValue(it).replace(/\\;/g, ';'));
  }

  setString(group: string, key: string, value: string): void {
    this.setRaw(group, key, escapeValue(value));
  }

  setBoolean(group: string, key: string, value: boolean): void {
    this.setRaw(group, key, value ? 'true' : 'false');
  }

  setInteger(group: string, key: string, value: number): void {
    if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`not an integer: ${value}`);
    this.setRaw(group, key, String(value));
  }

  setStringList(group: string, key: string, values: readonly string[]): void {
    this.setRaw(group, key, values.map((v) => `${escapeValue(v).replace(/;/g, '\\;')};`).join(''));
  }

  /** Sets an already-escaped value. */
  setRaw(group: string, key: string, raw: string): void {
    validateKey(key);
    if (/[\n\r]/.test(raw)) throw new InvalidArgumentError('raw key file value contains a newline');
    const g = this.ensureGroup(group);
    const l = g.lines.find((x) => x.kind === 'entry' && x.key === key);
    if (l && l.kind === 'entry') {
      l.raw = raw;
      delete l.text;
      return;
    }
    // Insert after the last entry, before trailing blank lines/comments (like GLib).
    let idx = g.lines.length;
    while (idx > 0 && g.lines[idx - 1]!.kind === 'comment' && (g.lines[idx - 1] as { text: string }).text.trim() === '') idx--;
    g.lines.splice(idx, 0, { kind: 'entry', key, raw });
  }

  removeKey(group: string, key: string): boolean {
    const g = this.groups.find((x) => x.name === group);
    if (!g) return false;
    const idx = g.lines.findIndex((x) => x.kind === 'entry' && x.key === key);
    if (idx < 0) return false;
    g.lines.splice(idx, 1);
    return true;
  }

  /** Adds an empty group (no-op if present); a blank line separates it from the previous group, like GLib. */
  addGroup(group: string): void {
    this.ensureGroup(group);
  }

  removeGroup(group: string): boolean {
    const idx = this.groups.findIndex((g) => g.name === group);
    if (idx < 0) return false;
    this.groups.splice(idx, 1);
    if (idx === this.groups.length && idx > 0) {
      // The removed group was the last one: drop the separator blank line the previous group kept for it.
      const prev = this.groups[idx - 1]!.lines;
      const last = prev[prev.length - 1];
      if (last && last.kind === 'comment' && last.text.trim() === '') prev.pop();
    }
    return true;
  }

  private ensureGroup(group: string): Group {
    const found = this.groups.find((g) => g.name === group);
    if (found) return found;
    validateGroupName(group);
    const prev = this.groups[this.groups.length - 1];
    if (prev) {
      const last = prev.lines[prev.lines.length - 1];
      if (!(last && last.kind === 'comment' && last.text.trim() === '')) prev.lines.push({ kind: 'comment', text: '' });
    }
    const g: Group = { name: group, lines: [] };
    this.groups.push(g);
    return g;
  }

  private requireGroup(group: string): Group {
    const g = this.groups.find((x) => x.name === group);
    if (!g) throw new NotFoundError(`key file has no group [${group}]`);
    return g;
  }
}
