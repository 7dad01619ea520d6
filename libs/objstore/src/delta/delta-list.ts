/**
 * The static deltas stored in a repository: listing (`ostree static-delta list`), describing
 * (`ostree static-delta show`, same text), and the delta indexes (`delta-indexes/`) that
 * `ostree summary -u` writes for clients that look deltas up by target commit.
 */
import { readFile, readdir, rm, rename, mkdir, writeFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NotFoundError, fromSystemError } from '@tsostree/errors';
import { checksumFromMb64, sha256Hex } from '../format/checksum.js';
import {
  decodeDeltaOps,
  deltaDeclaredByteOrder,
  deltaIndexPath,
  deltaInlinePart,
  parseStaticDeltaName,
  serializeDeltaIndex,
  staticDeltaDir,
  staticDeltaName,
} from '../format/static-delta.js';
import type { Repo } from '../repo.js';
import { openDeltaPart, readSuperblockBytes } from './delta-apply.js';
import { readBoundedFile } from './delta-offline.js';

export interface StaticDeltaEntry {
  name: string;
  from: string | null;
  to: string;
}

const MAX_SUPERBLOCK = 128 * 1024 * 1024;

async function entries(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw fromSystemError(error, `listing ${path}`);
  }
}

/** Every delta in `deltas/` that has a superblock, sorted by name. */
export async function listStaticDeltas(repo: Repo): Promise<StaticDeltaEntry[]> {
  const out: StaticDeltaEntry[] = [];
  for (const prefix of await entries(repo.resolve('deltas'))) {
    if (prefix.length !== 2) continue;
    for (const rest of await entries(repo.resolve('deltas', prefix))) {
      const mb = `${prefix}${rest}`;
      const dash = mb.indexOf('-');
      let from: string | null;
      let to: string;
      try {
        from = dash < 0 ? null : checksumFromMb64(mb.slice(0, dash));
        to = checksumFromMb64(dash < 0 ? mb : mb.slice(dash + 1));
      } catch {
        continue;
      }
      try {
        if (!(await stat(repo.resolve('deltas', prefix, rest, 'superblock'))).isFile()) continue;
      } catch {
        continue;
      }
      out.push({ name: staticDeltaName(from, to), from, to });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Reads a stored delta's superblock file (NotFound when the delta does not exist). */
export async function readStaticDeltaSuperblock(repo: Repo, name: string): Promise<Uint8Array> {
  const { from, to } = parseStaticDeltaName(name);
  try {
    return await readBoundedFile(repo.resolve(staticDeltaDir(from, to), 'superblock'), MAX_SUPERBLOCK);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`Can't find delta ${name}`, { cause: error, data: { name } });
    throw error;
  }
}

/** `g_format_size`: decimal units, one decimal, a no-break space before the unit (GLib's). */
export function formatSize(n: number): string {
  if (n < 1000) return n === 1 ? '1 byte' : `${n} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)}\u00a0${units[i]}`;
}

/** The text of `ostree static-delta show NAME`. */
export async function showStaticDelta(repo: Repo, name: string): Promise<string> {
  const { from, to } = parseStaticDeltaName(name);
  const { superblock: sb, signatures } = readSuperblockBytes(await readStaticDeltaSuperblock(repo, name));
  const lines: string[] = [`Delta: ${name}`, `Signed: ${signatures ? 'yes' : 'no'}`];
  lines.push(from === null ? 'From <scratch>' : `From: ${from}`, `To: ${to}`);
  const declared = deltaDeclaredByteOrder(sb.metadata);
  lines.push(`Endianness: ${declared ?? `${sb.byteOrder} (heuristic)`}`);
  lines.push(`Timestamp: ${sb.timestamp}`, `Number of parents: ${sb.prerequisites.length}`, `Number of fallback entries: ${sb.fallbacks.length}`);
  let fbSize = 0;
  let fbUsize = 0;
  for (const f of sb.fallbacks) {
    lines.push(`  ${f.checksum}`);
    fbSize += f.compressedSize;
    fbUsize += f.uncompressedSize;
  }
  lines.push(`Total Fallback Size: ${fbSize} (${formatSize(fbSize)})`, `Total Fallback Uncompressed Size: ${fbUsize} (${formatSize(fbUsize)})`);
  lines.push(`Number of parts: ${sb.parts.length}`);
  const dir = staticDeltaDir(from, to);
  let size = 0;
  let usize = 0;
  for (let i = 0; i < sb.parts.length; i++) {
    const meta = sb.parts[i]!;
    size += meta.size;
    usize += meta.uncompressedSize;
    lines.push(`PartMeta${i}: nobjects=${meta.objects.length} size=${meta.size} usize=${meta.uncompressedSize}`);
    const bytes = deltaInlinePart(sb, `${dir}/${i}`) ?? (await readBoundedFile(repo.resolve(dir, String(i)), meta.size, meta.size));
    const payload = await openDeltaPart(bytes, meta, i);
    lines.push(`PartPayload${i}: nmodes=${payload.modes.length} nxattrs=${payload.xattrs.length} blobsize=${payload.rawData.length} opsize=${payload.ops.length}`);
    const n: Record<string, number> = { 'open-splice-and-close': 0, open: 0, write: 0, 'set-read-source': 0, 'unset-read-source': 0, close: 0, bspatch: 0 };
    for (const op of decodeDeltaOps(payload, meta.objects)) n[op.op]!++;
    lines.push(
      `PartPayloadOps${i}: openspliceclose=${n['open-splice-and-close']} open=${n.open} write=${n.write} setread=${n['set-read-source']} ` +
        `unsetread=${n['unset-read-source']} close=${n.close} bspatch=${n.bspatch}`,
    );
  }
  lines.push(`Total Part Size: ${size} (${formatSize(size)})`, `Total Part Uncompressed Size: ${usize} (${formatSize(usize)})`);
  lines.push(`Total Size: ${size + fbSize} (${formatSize(size + fbSize)})`, `Total Uncompressed Size: ${usize + fbUsize} (${formatSize(usize + fbUsize)})`);
  return `${lines.join('\n')}\n`;
}

/** Each delta's name with the SHA-256 of its superblock file (summary / index entries). */
export async function staticDeltaDigests(repo: Repo): Promise<{ name: string; to: string; superblockChecksum: string }[]> {
  const out: { name: string; to: string; superblockChecksum: string }[] = [];
  for (const d of await listStaticDeltas(repo)) {
    const bytes = await readFile(repo.resolve(staticDeltaDir(d.from, d.to), 'superblock'));
    out.push({ name: d.name, to: d.to, superblockChecksum: sha256Hex(bytes) });
  }
  return out;
}

/**
 * Rewrites `delta-indexes/` (ostree_repo_static_delta_reindex): one index per target commit
 * listing every delta to it; indexes of targets that no longer have deltas are removed.
 */
export async function reindexStaticDeltas(repo: Repo): Promise<void> {
  const byTarget = new Map<string, { name: string; superblockChecksum: string }[]>();
  for (const d of await staticDeltaDigests(repo)) {
    const list = byTarget.get(d.to) ?? [];
    list.push({ name: d.name, superblockChecksum: d.superblockChecksum });
    byTarget.set(d.to, list);
  }
  const wanted = new Set<string>();
  try {
    for (const [to, list] of byTarget) {
      const rel = deltaIndexPath(to);
      wanted.add(rel);
      const path = repo.resolve(rel);
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      const tmp = `${path}.tmp-${process.pid}`;
      await writeFile(tmp, serializeDeltaIndex(list), { mode: 0o644 });
      await rename(tmp, path);
    }
    for (const prefix of await entries(repo.resolve('delta-indexes'))) {
      for (const f of await entries(repo.resolve('delta-indexes', prefix))) {
        if (f.endsWith('.index') && !wanted.has(`delta-indexes/${prefix}/${f}`)) await rm(repo.resolve('delta-indexes', prefix, f), { force: true });
      }
    }
  } catch (error) {
    throw fromSystemError(error, 'writing delta indexes');
  }
}
