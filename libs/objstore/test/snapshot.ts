import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeXattrs } from '../src/xattrs.js';

/**
 * A textual snapshot of a tree: one line per entry with type, mode, owner, content hash or
 * symlink target, and user/security xattrs (sorted). Used to compare checkouts.
 */
export async function snapshotTree(root: string, options: { owners?: boolean; xattrs?: boolean } = {}): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const p = join(dir, name);
      const r = `${rel}/${name}`;
      const st = await lstat(p);
      const owner = options.owners ? ` ${st.uid}:${st.gid}` : '';
      const xa = options.xattrs
        ? ' ' + nodeXattrs.list(p).filter((x) => !x.name.startsWith('security.selinux')).map((x) => `${x.name}=${Buffer.from(x.value).toString('hex')}`).join(',')
        : '';
      if (st.isDirectory()) {
        out.push(`d ${(st.mode & 0o7777).toString(8)}${owner}${xa} ${r}`);
        await walk(p, r);
      } else if (st.isSymbolicLink()) {
        out.push(`l${owner} ${r} -> ${await readlink(p)}`);
      } else {
        const h = createHash('sha256').update(await readFile(p)).digest('hex').slice(0, 16);
        out.push(`f ${(st.mode & 0o7777).toString(8)}${owner}${xa} ${st.size} ${h} ${r}`);
      }
    }
  };
  await walk(root, '');
  return out;
}
