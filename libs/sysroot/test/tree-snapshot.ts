// Snapshots of directory trees for the differential tests: path → type, mode, owner, size,
// content hash or symlink target. Timestamps and inode numbers are left out on purpose.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export type Snapshot = Map<string, string>;

export interface SnapshotOptions {
  /** Relative paths (or prefixes ending in `/`) to leave out. */
  exclude?: (rel: string) => boolean;
  /** Map each relative path before recording (to line up names that legitimately differ). */
  rename?: (rel: string) => string;
}

export function snapshotTree(root: string, options: SnapshotOptions = {}): Snapshot {
  const out: Snapshot = new Map();
  const walk = (rel: string): void => {
    const abs = rel === '' ? root : join(root, rel);
    const st = lstatSync(abs);
    const mode = (st.mode & 0o7777).toString(8);
    const key = options.rename ? options.rename(rel || '.') : rel || '.';
    let desc: string;
    if (st.isSymbolicLink()) desc = `link -> ${readlinkSync(abs)}`;
    else if (st.isFile()) desc = `file ${mode} ${st.uid}:${st.gid} ${createHash('sha256').update(readFileSync(abs)).digest('hex').slice(0, 16)}`;
    else if (st.isDirectory()) desc = `dir ${mode} ${st.uid}:${st.gid}`;
    else desc = `other ${mode}`;
    out.set(key, desc);
    if (st.isDirectory()) {
      for (const name of readdirSync(abs).sort()) {
        const child = rel === '' ? name : `${rel}/${name}`;
        if (options.exclude?.(child)) continue;
        walk(child);
      }
    }
  };
  walk('');
  return out;
}

/** Lines `path: desc` sorted, for readable `toEqual` diffs. */
export function snapshotLines(s: Snapshot): string[] {
  return [...s].map(([k, v]) => `${k}: ${v}`).sort();
}
