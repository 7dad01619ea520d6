// Two sysroots fed the same commits: one driven by the real `ostree admin`, one by our library.
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initFs, initStateroot } from '../src/index.js';
import { commitTree, ostree, scratch, writeTree, type TreeOptions } from './ostree-cli.js';
import { snapshotLines, snapshotTree } from './tree-snapshot.js';

export interface Pair {
  work: string;
  theirs: string;
  ours: string;
  source: string;
  cleanup: () => void;
  /** Commits a tree into the source repo and pulls it into both sysroot repos. */
  commit: (branch: string, tree: TreeOptions, version?: string) => string;
  /** `ostree pull-local` of a ref or checksum from the source repo into both sysroot repos. */
  pullBoth: (rev: string) => void;
  /** Runs `ostree admin <args> --sysroot=theirs`. */
  admin: (args: string[]) => string;
  /** Snapshots of both sysroots, as sorted lines. */
  snapshots: () => { theirs: string[]; ours: string[] };
}

/** Paths that differ by design: our repository lock directory (objstore keeps its lock as files). */
export function ignorePath(rel: string): boolean {
  return rel === 'ostree/repo/.tsostree-lock' || rel.startsWith('ostree/repo/.tsostree-lock/');
}

export async function makePair(label: string, stateroots: string[] = ['testos']): Promise<Pair> {
  const s = scratch(label);
  const theirs = join(s.path, 'theirs');
  const ours = join(s.path, 'ours');
  const source = join(s.path, 'source');
  mkdirSync(theirs);
  ostree(['admin', 'init-fs', theirs]);
  for (const os of stateroots) ostree(['admin', 'os-init', `--sysroot=${theirs}`, os]);
  await initFs(ours);
  for (const os of stateroots) await initStateroot(ours, os);
  ostree(['init', `--repo=${source}`, '--mode=archive']);
  let n = 0;
  return {
    work: s.path,
    theirs,
    ours,
    source,
    cleanup: s.cleanup,
    commit: (branch, tree, version) => {
      const dir = join(s.path, `tree-${n++}`);
      writeTree(dir, tree);
      const csum = commitTree(source, branch, dir, version);
      for (const root of [theirs, ours]) ostree(['pull-local', `--repo=${join(root, 'ostree/repo')}`, source, branch]);
      return csum;
    },
    pullBoth: (rev) => {
      for (const root of [theirs, ours]) ostree(['pull-local', `--repo=${join(root, 'ostree/repo')}`, source, rev]);
    },
    admin: (args) => ostree(['admin', args[0]!, `--sysroot=${theirs}`, ...args.slice(1)]),
    snapshots: () => ({
      theirs: snapshotLines(snapshotTree(theirs, { exclude: ignorePath })),
      ours: snapshotLines(snapshotTree(ours, { exclude: ignorePath })),
    }),
  };
}

/** The local /etc edits the differential tests make in a deployment: one modified, one removed, two added. */
export function editEtc(root: string, deployment: string): void {
  const etc = join(root, deployment, 'etc');
  appendFileSync(join(etc, 'a.conf'), 'local edit\n');
  rmSync(join(etc, 'b.conf'));
  writeFileSync(join(etc, 'new.conf'), 'added locally\n');
  mkdirSync(join(etc, 'local.d'));
  writeFileSync(join(etc, 'local.d/x.conf'), 'x\n');
}
