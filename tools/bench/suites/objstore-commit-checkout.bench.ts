// Commit and checkout of a generated OS-like tree (≥ 30,000 files, ≥ 500 MB, symlinks) with
// tsostree and with the real `ostree`, in bare-user and archive modes (fsync on, as ostree's
// default), side by side: wall time, peak RSS and the ratio ours / ostree.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRow, BenchSuite } from '../harness.js';
import type { TreeStats } from './objstore-commit-checkout.work.js';

const FILES = Number(process.env.OBJSTORE_BENCH_FILES ?? 30_000);
const BYTES = Number(process.env.OBJSTORE_BENCH_BYTES ?? 560 * 1024 * 1024);

const suite: BenchSuite = {
  name: 'objstore commit + checkout (OS-like tree, tsostree vs ostree)',
  unavailable: () => {
    try {
      execFileSync('ostree', ['--version'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'ostree is not installed';
    }
  },
  async run({ workDir, timeCommand, timeOurs }) {
    const work = join(import.meta.dirname, 'objstore-commit-checkout.work.ts');
    const tree = join(workDir, 'tree');
    // Generated in a child process: Linux keeps a forking parent's peak RSS in the child's
    // ru_maxrss, so a big runner process would inflate every "ours" peak measured after it.
    const statsFile = join(workDir, 'stats.json');
    await timeOurs(work, 'generateTreeToFile', [tree, FILES, BYTES, statsFile]);
    const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as TreeStats;
    const mb = (stats.bytes / 1e6).toFixed(0);
    const notes = `${stats.files} files + ${stats.symlinks} symlinks, ${stats.dirs} dirs, ${mb} MB`;
    const rows: BenchRow[] = [];
    for (const mode of ['bare-user', 'archive'] as const) {
      const ours = join(workDir, `ours-${mode}`);
      const theirs = join(workDir, `theirs-${mode}`);
      execFileSync('ostree', ['init', `--repo=${theirs}`, `--mode=${mode}`]);
      await timeOurs(work, 'initRepo', [ours, mode]);
      // Warm the page cache for both sides alike.
      execFileSync('sh', ['-c', `find '${tree}' -type f -exec cat {} + > /dev/null`]);
      const refCommit = await timeCommand('ostree', ['commit', `--repo=${theirs}`, '-b', 'main', '--timestamp=@1577836800', '-s', 'bench', tree]);
      const ourCommit = await timeOurs(work, 'commitTree', [ours, tree, stats.files]);
      const a = execFileSync('ostree', ['rev-parse', `--repo=${theirs}`, 'main'], { encoding: 'utf8' }).trim();
      const b = execFileSync('ostree', ['rev-parse', `--repo=${ours}`, 'main'], { encoding: 'utf8' }).trim();
      rows.push({
        name: `commit ${mode}`,
        ours: ourCommit,
        reference: { ...refCommit, tool: 'ostree' },
        unit: 'files',
        notes: `${notes}; same commit checksum: ${a === b ? 'yes' : `NO (${b} vs ${a})`}`,
      });
      execFileSync('sync');
      const refCheckout = await timeCommand('ostree', ['checkout', `--repo=${theirs}`, '-U', 'main', join(workDir, `co-theirs-${mode}`)]);
      const ourCheckout = await timeOurs(work, 'checkoutTree', [ours, join(workDir, `co-ours-${mode}`), stats.files]);
      rows.push({ name: `checkout -U ${mode}`, ours: ourCheckout, reference: { ...refCheckout, tool: 'ostree' }, unit: 'files' });
      execFileSync('rm', ['-rf', theirs, ours, join(workDir, `co-theirs-${mode}`), join(workDir, `co-ours-${mode}`)]);
    }
    return rows;
  },
};

export default suite;
