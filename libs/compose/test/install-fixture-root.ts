// Test-only stand-in for the compose's install step (owned by compose-install.ts): extract fixture RPMs
// into a root with @tsostree/rpmdb, run %pre, re-apply owners from the headers (users made by %pre now
// exist), run %post and %posttrans, and write the sqlite rpmdb at usr/share/rpm.
import { lchown } from 'node:fs/promises';
import { join } from 'node:path';
import {
  extractPackage,
  formatNevra,
  installedHeader,
  packageFiles,
  packageNevra,
  readPackageHeaders,
  writeRpmdb,
  type Header,
} from '@tsostree/rpmdb';
import { parseGroup, parsePasswd } from '../src/format/passwd.js';
import { runScriptlets, type ScriptletPackage } from '../src/scriptlets-run.js';
import { readFile } from 'node:fs/promises';
import type { ComposeFixtureRepo } from './compose-fixtures.js';

export interface InstalledFixture {
  packages: (ScriptletPackage & { signature: Header; name: string; path: string })[];
}

/** Installs the named packages (or every package but `exclude`) of a fixture repo into `root`. */
export async function installFixtureRoot(repo: ComposeFixtureRepo, root: string, exclude: readonly string[]): Promise<InstalledFixture> {
  const packages: InstalledFixture['packages'] = [];
  for (const path of repo.rpms) {
    const { header, signature } = await readPackageHeaders(path);
    const nevra = packageNevra(header);
    if (exclude.includes(nevra.name)) continue;
    packages.push({ nevra: formatNevra(nevra), header, signature, name: nevra.name, path });
  }
  // filesystem and setup first (like the solver's order would put them), the rest by name
  const rank = (n: string) => (n === 'filesystem' ? 0 : n === 'setup' ? 1 : 2);
  packages.sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : 1));
  for (const p of packages) await extractPackage(p.path, root);
  await runScriptlets(root, 'pre', packages);
  const users = new Map(parsePasswd(await readFile(join(root, 'etc/passwd'), 'utf8')).map((e) => [e.name, e.uid]));
  const groups = new Map(parseGroup(await readFile(join(root, 'etc/group'), 'utf8')).map((e) => [e.name, e.gid]));
  for (const p of packages) {
    for (const f of packageFiles(p.header)) {
      if (f.ghost || (f.user === 'root' && f.group === 'root')) continue;
      await lchown(join(root, f.path), users.get(f.user) ?? 0, groups.get(f.group) ?? 0).catch(() => undefined);
    }
  }
  await runScriptlets(root, 'post', packages);
  await runScriptlets(root, 'posttrans', packages);
  await writeRpmdb(
    join(root, 'usr/share/rpm'),
    packages.map((p) => installedHeader({ header: p.header, signature: p.signature }, { installTime: 1_700_000_000 })),
  );
  return { packages };
}
