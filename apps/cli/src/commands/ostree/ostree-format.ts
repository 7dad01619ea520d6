import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@tsostree/errors';
import { formatGVariantText, type Commit, type GVariantValue, type TreeEntry } from '@tsostree/objstore';

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

/** GLib's `g_variant_print(v, annotate)` text form (objstore's GLib-tested printer). */
export function printGVariant(type: string, value: GVariantValue, annotate = true): string {
  return formatGVariantText(type, value, annotate);
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
