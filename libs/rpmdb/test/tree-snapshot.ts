// Describes a directory tree (types, modes, owners, content digests, link targets, hardlink sets)
// so two extractions can be compared.
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface TreeSnapshot {
  entries: Record<string, string>;
  hardlinks: string[][];
}

export function snapshotTree(root: string, options: { mtimes?: boolean; skip?: string[] } = {}): TreeSnapshot {
  const entries: Record<string, string> = {};
  const inodes = new Map<number, string[]>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (options.skip?.includes(r)) continue;
      const st = lstatSync(join(root, r));
      const common = `mode=${(st.mode & 0o7777).toString(8)} uid=${st.uid} gid=${st.gid}`;
      if (st.isDirectory()) {
        entries[r] = `dir ${common}`;
        walk(r);
      } else if (st.isSymbolicLink()) {
        entries[r] = `link ${readlinkSync(join(root, r))} uid=${st.uid} gid=${st.gid}`;
      } else if (st.isFile()) {
        const digest = createHash('sha256').update(readFileSync(join(root, r))).digest('hex');
        entries[r] = `file ${common} size=${st.size} ${digest}${options.mtimes ? ` mtime=${Math.floor(st.mtimeMs / 1000)}` : ''}`;
        if (st.nlink > 1) inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), r]);
      } else {
        entries[r] = `other ${common}`;
      }
    }
  };
  walk('');
  return { entries, hardlinks: [...inodes.values()].map((g) => g.sort()).sort() };
}

/** Every path under `dir`, for "nothing was written outside the root" checks. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      out.push(r);
      if (lstatSync(join(dir, r)).isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}
