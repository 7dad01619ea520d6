/**
 * rpm-md fixtures built at test time by the real tools: rpmbuild builds the RPMs from test/specs-rpmmd/*.spec, and
 * createrepo_c writes the metadata in gz, xz and bz2. Debian's createrepo_c 0.17 has no zstd and always compresses,
 * so the zst and plain variants take createrepo_c's xz output, recompress it with the real `zstd` (or leave it
 * plain) and update the stored checksum, size and location in repomd.xml; open-checksum stays createrepo_c's.
 * Everything is cached under libs/rpmdb/.cache/ keyed by the spec files' hash.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export type RepoVariant = 'gz' | 'xz' | 'bz2' | 'zst' | 'plain';
export const REPO_VARIANTS: readonly RepoVariant[] = ['gz', 'xz', 'bz2', 'zst', 'plain'];

export interface RpmMdFixtures {
  /** The built .rpm files. */
  rpms: string[];
  /** One repository directory per compression. */
  repos: Record<RepoVariant, string>;
  /** createrepo_c's own sqlite databases for the gz repository (decompressed), the reference for comparisons. */
  sqlite: { primary: string; filelists: string; other: string };
}

const SPEC_DIR = path.resolve(import.meta.dirname, 'specs-rpmmd');
const CACHE = path.resolve(import.meta.dirname, '../.cache');

function run(command: string, args: string[], options: { cwd?: string; input?: Buffer } = {}): Buffer {
  return execFileSync(command, args, { ...options, maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', 'pipe'] });
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function fixturePaths(root: string): RpmMdFixtures {
  const repos = Object.fromEntries(REPO_VARIANTS.map((v) => [v, path.join(root, `repo-${v}`)])) as Record<RepoVariant, string>;
  const rpms = readdirSync(path.join(root, 'rpms'))
    .filter((f) => f.endsWith('.rpm'))
    .sort()
    .map((f) => path.join(root, 'rpms', f));
  return {
    rpms,
    repos,
    sqlite: {
      primary: path.join(root, 'sqlite', 'primary.sqlite'),
      filelists: path.join(root, 'sqlite', 'filelists.sqlite'),
      other: path.join(root, 'sqlite', 'other.sqlite'),
    },
  };
}

/** Builds (or reuses from the cache) the fixture RPMs and their repositories. */
export function rpmMdFixtures(): RpmMdFixtures {
  const specs = readdirSync(SPEC_DIR)
    .filter((f) => f.endsWith('.spec'))
    .sort();
  const key = createHash('sha256');
  for (const spec of specs) key.update(spec).update(readFileSync(path.join(SPEC_DIR, spec)));
  key.update('v2');
  const root = path.join(CACHE, `rpmmd-${key.digest('hex').slice(0, 16)}`);
  if (existsSync(path.join(root, 'done'))) return fixturePaths(root);

  const work = `${root}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(path.join(work, 'rpms'), { recursive: true });
  const top = path.join(work, 'rpmbuild');
  for (const spec of specs) {
    run('rpmbuild', ['--define', `_topdir ${top}`, '-bb', path.join(SPEC_DIR, spec)]);
  }
  for (const arch of readdirSync(path.join(top, 'RPMS'))) {
    for (const file of readdirSync(path.join(top, 'RPMS', arch))) {
      cpSync(path.join(top, 'RPMS', arch, file), path.join(work, 'rpms', file));
    }
  }
  rmSync(top, { recursive: true, force: true });

  const repoDir = (variant: RepoVariant): string => path.join(work, `repo-${variant}`);
  for (const variant of ['gz', 'xz', 'bz2'] as const) {
    cpSync(path.join(work, 'rpms'), repoDir(variant), { recursive: true });
    // createrepo_c records the file mtime (time file): make it the same in every repository.
    for (const file of readdirSync(repoDir(variant))) utimesSync(path.join(repoDir(variant), file), 1700000000, 1700000000);
    const args = ['--general-compress-type', variant, '--revision', '1700000000'];
    if (variant === 'gz') args.push('--compress-type', 'gz');
    else args.push('--no-database');
    run('createrepo_c', [...args, repoDir(variant)]);
  }
  for (const variant of ['zst', 'plain'] as const) recompress(repoDir('xz'), repoDir(variant), variant);

  mkdirSync(path.join(work, 'sqlite'));
  const gzData = path.join(repoDir('gz'), 'repodata');
  for (const file of readdirSync(gzData)) {
    const match = /-(primary|filelists|other)\.sqlite\.gz$/u.exec(file);
    if (match) writeFileSync(path.join(work, 'sqlite', `${match[1]}.sqlite`), run('gzip', ['-dc', path.join(gzData, file)]));
  }
  writeFileSync(path.join(work, 'done'), '');
  try {
    renameSync(work, root);
  } catch {
    // Another test worker finished first; its copy is identical.
    rmSync(work, { recursive: true, force: true });
  }
  return fixturePaths(root);
}

/** Copies an xz repository and re-stores its xml metadata as zstd (by the real zstd tool) or plain. */
function recompress(from: string, to: string, variant: 'zst' | 'plain'): void {
  cpSync(from, to, { recursive: true });
  const repodata = path.join(to, 'repodata');
  let repomd = readFileSync(path.join(repodata, 'repomd.xml'), 'utf8');
  repomd = repomd.replace(/<data type="([^"]+)">([\s\S]*?)<\/data>/gu, (block: string, type: string, body: string) => {
    const href = /<location href="([^"]+)"/u.exec(body)?.[1];
    if (!href?.endsWith('.xml.xz')) return block;
    const open = run('xz', ['-dc', path.join(to, href)]);
    rmSync(path.join(to, href));
    const stored = variant === 'zst' ? run('zstd', ['-q', '-c', '-19'], { input: open }) : open;
    const digest = sha256(stored);
    const newHref = `repodata/${digest}-${type}.xml${variant === 'zst' ? '.zst' : ''}`;
    writeFileSync(path.join(to, newHref), stored);
    let next = body
      .replace(/<checksum type="sha256">[0-9a-f]+<\/checksum>/u, `<checksum type="sha256">${digest}</checksum>`)
      .replace(/<location href="[^"]+"\/>/u, `<location href="${newHref}"/>`)
      .replace(/<size>\d+<\/size>/u, `<size>${stored.length}</size>`);
    if (variant === 'plain') {
      next = next.replace(/\s*<open-checksum[^>]*>[0-9a-f]+<\/open-checksum>/u, '').replace(/\s*<open-size>\d+<\/open-size>/u, '');
    }
    return `<data type="${type}">${next}</data>`;
  });
  writeFileSync(path.join(repodata, 'repomd.xml'), repomd);
}

/** Runs a query on one of createrepo_c's sqlite databases with the real sqlite3 tool; rows as objects. */
export function sqliteRows(database: string, query: string): Record<string, string | number | null>[] {
  const out = run('sqlite3', ['-json', '-readonly', database, query]).toString('utf8').trim();
  return out === '' ? [] : (JSON.parse(out) as Record<string, string | number | null>[]);
}
