import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@tsostree/errors';
import { Variant, type Commit, type GVariantValue, type TreeEntry } from '@tsostree/objstore';

/** `YYYY-MM-DD HH:MM:SS +0000`, the date format of `ostree log`. */
export function formatLogDate(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19)} +0000`;
}

/** ostree's content checksum of a commit: SHA-256 over the root dirtree and dirmeta checksum bytes. */
export function contentChecksumOf(commit: Commit): string {
  return createHash('sha256')
    .update(Buffer.from(commit.rootTree, 'hex'))
    .update(Buffer.from(commit.rootMeta, 'hex'))
    .digest('hex');
}

/** One commit as `ostree log` / `ostree show` print it. */
export function formatCommit(checksum: string, commit: Commit): string {
  let out = `commit ${checksum}\n`;
  if (commit.parent) out += `Parent:  ${commit.parent}\n`;
  out += `ContentChecksum:  ${contentChecksumOf(commit)}\n`;
  out += `Date:  ${formatLogDate(commit.timestamp)}\n`;
  const version = commit.metadata.find(([k]) => k === 'version');
  if (version && version[1].type === 's') out += `Version: ${String(version[1].value)}\n`;
  out += '\n';
  if (commit.subject !== '') out += `    ${commit.subject}\n\n`;
  if (commit.body !== '') out += `${commit.body.split('\n').map((l) => `    ${l}`).join('\n')}\n\n`;
  return out;
}

function quote(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    if (ch === q || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch.charCodeAt(0) < 0x20) out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + q;
}

function printBytes(b: Uint8Array): string {
  const printable = b.length > 0 && b[b.length - 1] === 0 && b.subarray(0, -1).every((c) => c >= 0x20 && c < 0x7f);
  if (printable) return `b${quote(Buffer.from(b.subarray(0, -1)).toString('latin1'))}`;
  return `[${Array.from(b, (c) => `byte 0x${c.toString(16).padStart(2, '0')}`).join(', ')}]`;
}

/** GLib's `g_variant_print(v, TRUE)` text form for the types ostree metadata uses. */
export function printGVariant(type: string, value: GVariantValue, annotate = true): string {
  switch (type[0]) {
    case 's':
    case 'o':
    case 'g':
      return quote(String(value));
    case 'b':
      return value ? 'true' : 'false';
    case 'y':
      return `${annotate ? 'byte ' : ''}0x${(value as number).toString(16).padStart(2, '0')}`;
    case 'n':
      return `${annotate ? 'int16 ' : ''}${String(value)}`;
    case 'q':
      return `${annotate ? 'uint16 ' : ''}${String(value)}`;
    case 'i':
      return String(value);
    case 'u':
      return `${annotate ? 'uint32 ' : ''}${String(value)}`;
    case 'x':
      return `${annotate ? 'int64 ' : ''}${String(value)}`;
    case 't':
      return `${annotate ? 'uint64 ' : ''}${String(value)}`;
    case 'd':
      return String(value);
    case 'v': {
      const v = value as Variant;
      return `<${printGVariant(v.type, v.value, true)}>`;
    }
    case 'a': {
      const elem = type.slice(1);
      if (elem === 'y') return printBytes(value as Uint8Array);
      const arr = value as readonly GVariantValue[];
      if (arr.length === 0) return annotate ? `@${type} []` : '[]';
      if (elem.startsWith('{')) {
        const [k, v] = splitDictEntry(elem);
        return `{${arr.map((e) => { const [ek, ev] = e as [GVariantValue, GVariantValue]; return `${printGVariant(k, ek, false)}: ${printGVariant(v, ev, false)}`; }).join(', ')}}`;
      }
      return `[${arr.map((e, i) => printGVariant(elem, e, annotate && i === 0)).join(', ')}]`;
    }
    case '(': {
      const members = splitTuple(type);
      const vals = value as readonly GVariantValue[];
      return `(${members.map((m, i) => printGVariant(m, vals[i]!, annotate)).join(', ')}${members.length === 1 ? ',' : ''})`;
    }
    case 'm':
      return value === null ? 'nothing' : printGVariant(type.slice(1), (value as GVariantValue[])[0]!, annotate);
    default:
      throw new InvalidArgumentError(`cannot print GVariant type ${type}`);
  }
}

function typeLength(t: string, i: number): number {
  const c = t[i];
  if (c === 'a' || c === 'm') return 1 + typeLength(t, i + 1);
  if (c === '(' || c === '{') {
    let j = i + 1;
    while (t[j] !== ')' && t[j] !== '}') j += typeLength(t, j);
    return j - i + 1;
  }
  return 1;
}

function splitTuple(t: string): string[] {
  const out: string[] = [];
  for (let i = 1; i < t.length - 1; ) {
    const n = typeLength(t, i);
    out.push(t.slice(i, i + n));
    i += n;
  }
  return out;
}

function splitDictEntry(t: string): [string, string] {
  const k = t.slice(1, 1 + typeLength(t, 1));
  const v = t.slice(1 + k.length, t.length - 1);
  return [k, v];
}

/** One line of `ostree ls` (with `-C` checksums and `-X` xattrs). */
export function formatLsLine(e: TreeEntry, options: { checksum?: boolean; xattrs?: boolean }): string {
  const t = e.type === 'directory' ? 'd' : e.type === 'symlink' ? 'l' : '-';
  let line = `${t}0${(e.mode & 0o7777).toString(8).padStart(4, '0')} ${e.uid} ${e.gid} ${String(e.size).padStart(6)} `;
  if (options.checksum) line += e.type === 'directory' ? `${e.checksum} ${e.metaChecksum} ` : `${e.checksum} `;
  if (options.xattrs) {
    const v = e.xattrs.map((x) => [new Uint8Array([...Buffer.from(x.name), 0]), x.value] as [Uint8Array, Uint8Array]);
    line += `{ ${printGVariant('a(ayay)', v)} } `;
  }
  line += e.path;
  if (e.type === 'symlink') line += ` -> ${e.symlinkTarget}`;
  return `${line}\n`;
}

/** Parses ostree's `--timestamp` / date arguments: `@SECONDS` or an ISO-8601 date (UTC unless a zone is given). */
export function parseTimestamp(text: string): number {
  const at = /^@(\d+)$/.exec(text);
  if (at) return Number(at[1]);
  let iso = text.trim();
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(iso)) iso = `${iso.replace(' ', 'T')}Z`;
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(iso)) iso = `${iso}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`Could not parse '${text}'`);
  return Math.floor(ms / 1000);
}
