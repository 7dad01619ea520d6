// `ostree admin deploy` of a generated OS-like tree (30,000 files, the objstore bench generator,
// plus a kernel, an initramfs and /etc) with tsostree and with the real ostree, side by side, on
// identical sysroots fed the same commits: the first deployment (hardlink checkout, /etc copy,
// kernel install, new boot version, cleanup) and a second one of an updated commit (the same
// plus the /etc merge and a repository prune). Both sides sync like ostree does.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRow, BenchSuite, Measurement } from '../harness.js';
import type { TreeStats } from './objstore-commit-checkout.work.js';

const FILES = Number(process.env.SYSROOT_BENCH_FILES ?? 30_000);
const BYTES = Number(process.env.SYSROOT_BENCH_BYTES ?? 300 * 1024 * 1024);
const OS = 'benchos';

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

const suite: BenchSuite = {
  name: 'sysroot deploy (30,000-file tree, tsostree vs ostree admin deploy)',
  unavailable: () => {
    try {
      execFileSync('ostree', ['--version'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'ostree is not installed';
    }
  },
  async run({ workDir, timeCommand, timeOurs }) {
    const gen = join(import.meta.dirname, 'objstore-commit-checkout.work.ts');
    const work = join(import.meta.dirname, 'sysroot-deploy.work.ts');
    const tree = join(workDir, 'tree');
    const statsFile = join(workDir, 'stats.json');
    await timeOurs(gen, 'generateTreeToFile', [tree, FILES, BYTES, statsFile]);
    const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as TreeStats;
    // Make it bootable: kernel + initramfs, os-release, /etc only as usr/etc (ostree refuses both).
    execFileSync('rm', ['-rf', join(tree, 'etc')]);
    const mod = join(tree, 'usr/lib/modules/6.1.0-bench');
    mkdirSync(mod, { recursive: true });
    writeFileSync(join(mod, 'vmlinuz'), Buffer.alloc(8 * 1024 * 1024, 7));
    writeFileSync(join(mod, 'initramfs.img'), Buffer.alloc(16 * 1024 * 1024, 9));
    mkdirSync(join(tree, 'usr/etc/bench.d'), { recursive: true });
    for (let i = 0; i < 200; i++) writeFileSync(join(tree, `usr/etc/bench.d/conf-${i}.conf`), `setting ${i}\n`);
    writeFileSync(join(tree, 'usr/lib/os-release'), 'ID=benchos\nPRETTY_NAME="Bench OS"\n');

    const source = join(workDir, 'source');
    sh('ostree', ['init', `--repo=${source}`, '--mode=bare']);
    const commit = (version: string): string =>
      sh('ostree', ['commit', `--repo=${source}`, '-b', `${OS}/stable`, '--timestamp=@1577836800', '-s', version, `--add-metadata-string=version=${version}`, tree]).trim();
    const c1 = commit('1');
    // Two sysroots per side, measured in ABBA order, best run reported: the dev machine is
    // shared, and one noisy run should not decide the ratio.
    const roots = {
      theirs: [join(workDir, 'theirs-a'), join(workDir, 'theirs-b')],
      ours: [join(workDir, 'ours-a'), join(workDir, 'ours-b')],
    };
    const all = [...roots.theirs, ...roots.ours];
    for (const root of all) {
      mkdirSync(root);
      sh('ostree', ['admin', 'init-fs', root]);
      sh('ostree', ['admin', 'os-init', `--sysroot=${root}`, OS]);
      sh('ostree', ['pull-local', `--repo=${join(root, 'ostree/repo')}`, source, `${OS}/stable`]);
    }
    const notes = `${stats.files} files + ${stats.symlinks} symlinks, ${stats.dirs} dirs, ${(stats.bytes / 1e6).toFixed(0)} MB`;
    const rows: BenchRow[] = [];
    const same = (): string => {
      const list = (root: string): string =>
        sh('sh', ['-c', `cd '${root}' && find . -path ./ostree/repo -prune -o -printf '%y %m %p %l\\n' | sort`]);
      const ref = list(roots.theirs[0]!);
      return all.every((r) => list(r) === ref) ? 'identical sysroots' : 'SYSROOTS DIFFER';
    };
    const best = <T extends { wallMs: number }>(a: T, b: T): T => (a.wallMs <= b.wallMs ? a : b);
    const round = async (): Promise<{ ours: Measurement; theirs: Measurement; runs: string }> => {
      const theirs: Measurement[] = [];
      const ours: Measurement[] = [];
      const t = async (i: number): Promise<void> => {
        execFileSync('sync');
        theirs.push(await timeCommand('ostree', ['admin', 'deploy', `--sysroot=${roots.theirs[i]}`, `--os=${OS}`, `${OS}/stable`]));
      };
      const o = async (i: number): Promise<void> => {
        execFileSync('sync');
        ours.push(await timeOurs(work, 'deploy', [roots.ours[i], `${OS}/stable`, OS, stats.files]));
      };
      await t(0);
      await o(0);
      await o(1);
      await t(1);
      const ms = (m: Measurement[]): string => m.map((x) => x.wallMs.toFixed(0)).join('/');
      return { ours: best(ours[0]!, ours[1]!), theirs: best(theirs[0]!, theirs[1]!), runs: `runs ours ${ms(ours)} ms, ostree ${ms(theirs)} ms` };
    };

    const r1 = await round();
    rows.push({ name: 'first deploy', ours: r1.ours, reference: { ...r1.theirs, tool: 'ostree' }, unit: 'files', notes: `${notes}; ${c1.slice(0, 12)}; ${r1.runs}; ${same()}` });

    // An update: a few files changed, /etc edited locally in every deployment.
    appendFileSync(join(tree, 'usr/etc/bench.d/conf-1.conf'), 'changed upstream\n');
    writeFileSync(join(tree, 'usr/share/bench-v2'), 'v2\n');
    const c2 = commit('2');
    for (const root of all) {
      sh('ostree', ['pull-local', `--repo=${join(root, 'ostree/repo')}`, source, `${OS}/stable`]);
      const d0 = join(root, 'ostree/deploy', OS, 'deploy', `${c1}.0`, 'etc');
      appendFileSync(join(d0, 'bench.d/conf-2.conf'), 'local edit\n');
      writeFileSync(join(d0, 'local.conf'), 'local\n');
    }
    const r2 = await round();
    rows.push({ name: 'second deploy (/etc merge, prune)', ours: r2.ours, reference: { ...r2.theirs, tool: 'ostree' }, unit: 'files', notes: `${c2.slice(0, 12)}; ${r2.runs}; ${same()}` });
    execFileSync('sh', ['-c', `chattr -R -i '${workDir}' 2>/dev/null || true`]);
    return rows;
  },
};

export default suite;
