// "This machine would boot a complete deployment": every deployment the current boot
// configuration lists is fully there — its tree equals its commit, /etc and the origin exist,
// the kernel files its entry names exist — and the real `ostree admin status` loads the sysroot.
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Repo, listTree } from '@tsostree/objstore';
import { Sysroot, type BootedSpec } from '../src/index.js';
import { ostree } from './ostree-cli.js';

function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const r = rel === '' ? name : `${rel}/${name}`;
    out.push(`/${r}`);
    if (lstatSync(join(dir, r)).isDirectory()) out.push(...walk(dir, r));
  }
  return out;
}

export async function assertBootable(root: string, booted?: string | BootedSpec): Promise<Sysroot> {
  const spec: BootedSpec | undefined = typeof booted === 'string' ? { cmdline: booted } : booted;
  const s = await Sysroot.open(root, spec ? { booted: spec } : {});
  if (s.deployments.filter((d) => !d.staged).length === 0) throw new Error('no deployment in the boot configuration');
  const repo = await Repo.open(join(root, 'ostree/repo'));
  for (const d of s.deployments) {
    const dir = join(root, d.path);
    const expected: string[] = [];
    for await (const e of listTree(repo, d.checksum, '/usr', { recursive: true })) expected.push(e.path);
    const actual = walk(join(dir, 'usr')).map((p) => `/usr${p}`);
    expected.sort();
    actual.sort();
    if (JSON.stringify(['/usr', ...actual].sort()) !== JSON.stringify(expected)) {
      throw new Error(`deployment ${d.path} does not match its commit`);
    }
    if (!statSync(join(dir, 'etc')).isDirectory()) throw new Error(`${d.path} has no /etc`);
    statSync(`${dir}.origin`);
    if (d.bootconfig) {
      for (const p of [d.bootconfig.linux, d.bootconfig.initrd]) if (p) statSync(join(root, 'boot', p));
    }
  }
  ostree(['admin', 'status', `--sysroot=${root}`]);
  return s;
}
