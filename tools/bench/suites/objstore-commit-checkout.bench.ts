// Commit and checkout of a generated OS-like tree (≥ 30,000 files, ≥ 500 MB, symlinks) with
// tsostree and with the real `ostree`, in bare-user and archive modes (fsync on, as ostree's
// default), side by side: wall time, CPU time, peak RSS and the ratio ours / ostree. Each mode
// runs OBJSTORE_BENCH_REPEAT times (default 3), both sides back to back, and reports the median.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeLinkerProblem } from '@tsostree/objstore';
import { WORKSPACE_ROOT, type BenchRow, type BenchSuite, type Measurement } from '../harness.js';
import type { TreeStats } from './objstore-commit-checkout.work.js';

const FILES = Number(process.env.OBJSTORE_BENCH_FILES ?? 30_000);
const BYTES = Number(process.env.OBJSTORE_BENCH_BYTES ?? 560 * 1024 * 1024);
/** Runs per mode; the table shows the run with the median wall-time ratio (all ratios in the notes). */
const REPEAT = Math.max(1, Number(process.env.OBJSTORE_BENCH_REPEAT ?? 3));
/** Repository modes to run, comma-separated (default both: `bare-user,archive`). */
const MODES = (process.env.OBJSTORE_BENCH_MODES ?? 'bare-user,archive').split(',').filter((m): m is 'bare-user' | 'archive' => m === 'bare-user' || m === 'archive');

interface Sample {
  ours: Measurement;
  ref: Measurement;
}

/** Runs both sides back to back; odd runs start with the reference. Returns [ours, reference]. */
async function pair(run: number, ours: () => Promise<Measurement>, ref: () => Promise<Measurement>): Promise<[Measurement, Measurement]> {
  if (run % 2 === 1) {
    const r = await ref();
    return [await ours(), r];
  }
  const o = await ours();
  return [o, await ref()];
}

function medianRow(name: string, samples: Sample[], notes?: string): BenchRow {
  const sorted = [...samples].sort((x, y) => x.ours.wallMs / x.ref.wallMs - y.ours.wallMs / y.ref.wallMs);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const ratios = samples.map((x) => (x.ours.wallMs / x.ref.wallMs).toFixed(2)).join(', ');
  const peak = Math.max(...samples.map((x) => x.ours.peakRssKiB ?? 0));
  return {
    name: `${name} (median of ${samples.length})`,
    ours: { ...mid.ours, peakRssKiB: peak },
    reference: { ...mid.ref, tool: 'ostree' },
    unit: 'files',
    notes: `${notes ? `${notes}; ` : ''}wall ratios ${ratios}; ours peak RSS = max over runs`,
  };
}

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
    // The bench runs from source: build the native link core first (nx: a no-op when it is current),
    // so the checkout measures what a built package runs. The row says whether it was used.
    try {
      execFileSync(join(WORKSPACE_ROOT, 'node_modules', '.bin', 'nx'), ['run', 'objstore:native', '--outputStyle=static'], {
        cwd: WORKSPACE_ROOT,
        stdio: 'ignore',
        env: { ...process.env, NX_DAEMON: 'false' },
      });
    } catch {
      // Reported in the checkout row (`native link core: NO (…)`).
    }
    const tree = join(workDir, 'tree');
    // Generated in a child process: Linux keeps a forking parent's peak RSS in the child's
    // ru_maxrss, so a big runner process would inflate every "ours" peak measured after it.
    const statsFile = join(workDir, 'stats.json');
    await timeOurs(work, 'generateTreeToFile', [tree, FILES, BYTES, statsFile]);
    const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as TreeStats;
    const mb = (stats.bytes / 1e6).toFixed(0);
    const notes = `${stats.files} files + ${stats.symlinks} symlinks, ${stats.dirs} dirs, ${mb} MB`;
    const rows: BenchRow[] = [];
    // Every run gets fresh directories and nothing is deleted before the last timed run: on this no-journal ext4 a
    // file created in the five minutes after a big deletion costs up to 30× more (see objstore-pull.bench.ts).
    const made: string[] = [];
    for (const mode of MODES) {
      const commits: Sample[] = [];
      const checkouts: Sample[] = [];
      let sameChecksum = true;
      for (let run = 0; run < REPEAT; run++) {
        const ours = join(workDir, `ours-${mode}-${run}`);
        const theirs = join(workDir, `theirs-${mode}-${run}`);
        execFileSync('ostree', ['init', `--repo=${theirs}`, `--mode=${mode}`]);
        await timeOurs(work, 'initRepo', [ours, mode]);
        // Warm the page cache for both sides alike, and start each side with no dirty pages.
        execFileSync('sh', ['-c', `find '${tree}' -type f -exec cat {} + > /dev/null`]);
        execFileSync('sync');
        // Back to back, alternating who goes first, so a change in machine load hits both sides.
        const refCommitCmd = () =>
          timeCommand('ostree', ['commit', `--repo=${theirs}`, '-b', 'main', '--timestamp=@1577836800', '-s', 'bench', tree]);
        const ourCommitCmd = () => timeOurs(work, 'commitTree', [ours, tree, stats.files]);
        const [ourCommit, refCommit] = await pair(run, ourCommitCmd, refCommitCmd);
        commits.push({ ours: ourCommit, ref: refCommit });
        const a = execFileSync('ostree', ['rev-parse', `--repo=${theirs}`, 'main'], { encoding: 'utf8' }).trim();
        const b = execFileSync('ostree', ['rev-parse', `--repo=${ours}`, 'main'], { encoding: 'utf8' }).trim();
        if (a !== b) sameChecksum = false;
        execFileSync('sync');
        const coTheirs = join(workDir, `co-theirs-${mode}-${run}`);
        const coOurs = join(workDir, `co-ours-${mode}-${run}`);
        const [ourCheckout, refCheckout] = await pair(
          run,
          () => timeOurs(work, 'checkoutTree', [ours, coOurs, stats.files]),
          () => timeCommand('ostree', ['checkout', `--repo=${theirs}`, '-U', 'main', coTheirs]),
        );
        checkouts.push({ ours: ourCheckout, ref: refCheckout });
        made.push(theirs, ours, coTheirs, coOurs);
      }
      rows.push(medianRow(`commit ${mode}`, commits, `${notes}; same commit checksum: ${sameChecksum ? 'yes' : 'NO'}`));
      // The hardlink checkout runs its syscalls in the native core when the `native` target built it.
      const problem = nativeLinkerProblem();
      rows.push(medianRow(`checkout -U ${mode}`, checkouts, mode === 'archive' ? undefined : `native link core: ${problem ? `NO (${problem})` : 'yes'}`));
    }
    execFileSync('rm', ['-rf', ...made]);
    return rows;
  },
};

export default suite;
