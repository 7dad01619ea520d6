// Full pull of the generated OS-like tree over loopback HTTP from nginx, with tsostree and with
// the real `ostree pull` side by side, into archive and bare-user repositories: wall time, peak
// RSS, bytes transferred (summed from nginx's log) and the ratios ours / ostree.
//
// Nothing is deleted until every timed pull is done: this machine's ext4 runs without a journal, and there a
// new inode is not given a number freed in the last five minutes whose inode-table block is dirty — the
// allocator scans past each of them, and each create dirties the block it lands in, so after deleting the
// 32,000 files of a tree or repository every file created near them costs 0.2–0.6 ms instead of ~20 µs.
// Whichever tool ran right after a deletion paid for it (a swing of ±30 % in either direction).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNginx } from '@tsostree/objstore/testing';
import { requireTools, type BenchRow, type BenchSuite } from '../harness.js';
import type { TreeStats } from './objstore-commit-checkout.work.js';

const FILES = Number(process.env.OBJSTORE_BENCH_FILES ?? 30_000);
const BYTES = Number(process.env.OBJSTORE_BENCH_BYTES ?? 560 * 1024 * 1024);

const mb = (n: number): string => (n / 1e6).toFixed(1);

const suite: BenchSuite = {
  name: 'objstore pull over HTTP (nginx on loopback, OS-like tree, tsostree vs ostree)',
  unavailable: requireTools('ostree', 'nginx'),
  async run({ workDir, timeCommand, timeOurs }) {
    const commitWork = join(import.meta.dirname, 'objstore-commit-checkout.work.ts');
    const work = join(import.meta.dirname, 'objstore-pull.work.ts');
    const tree = join(workDir, 'tree');
    const statsFile = join(workDir, 'stats.json');
    await timeOurs(commitWork, 'generateTreeToFile', [tree, FILES, BYTES, statsFile]);
    const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as TreeStats;
    const served = join(workDir, 'served');
    execFileSync('ostree', ['init', `--repo=${served}`, '--mode=archive']);
    execFileSync('ostree', ['commit', `--repo=${served}`, '-b', 'main', '--timestamp=@1577836800', '-s', 'bench', tree]);
    execFileSync('ostree', ['summary', '-u', `--repo=${served}`]);
    const served_bytes = Number(execFileSync('du', ['-sb', join(served, 'objects')], { encoding: 'utf8' }).split('\t')[0]);
    const notes = `${stats.files} files + ${stats.symlinks} symlinks, ${mb(stats.bytes)} MB tree, ${mb(served_bytes)} MB archive objects`;
    const nginx = await startNginx(served);
    const rows: BenchRow[] = [];
    try {
      for (const mode of ['archive', 'bare-user'] as const) {
        // Warm the server's page cache alike for both clients.
        execFileSync('sh', ['-c', `find '${served}/objects' -type f -exec cat {} + > /dev/null`]);
        const theirs = join(workDir, `theirs-${mode}`);
        execFileSync('ostree', ['init', `--repo=${theirs}`, `--mode=${mode}`]);
        execFileSync('ostree', ['remote', 'add', `--repo=${theirs}`, '--no-gpg-verify', 'origin', nginx.url]);
        execFileSync('sync');
        let before = nginx.bytesSent();
        const ref = await timeCommand('ostree', ['pull', `--repo=${theirs}`, 'origin', 'main']);
        const theirBytes = nginx.bytesSent() - before;

        const ours = join(workDir, `ours-${mode}`);
        await timeOurs(work, 'initClient', [ours, mode, nginx.url]);
        execFileSync('sync');
        before = nginx.bytesSent();
        const our = await timeOurs(work, 'pullMain', [ours]);
        const ourBytes = nginx.bytesSent() - before;
        const a = execFileSync('ostree', ['rev-parse', `--repo=${theirs}`, 'origin:main'], { encoding: 'utf8' }).trim();
        const b = execFileSync('ostree', ['rev-parse', `--repo=${ours}`, 'origin:main'], { encoding: 'utf8' }).trim();
        rows.push({
          name: `pull → ${mode}`,
          ours: our,
          reference: { ...ref, tool: 'ostree pull' },
          unit: 'objects',
          notes: `bytes sent by nginx: ours ${mb(ourBytes)} MB, ostree ${mb(theirBytes)} MB (ratio ${(ourBytes / theirBytes).toFixed(3)}); same ref: ${a === b ? 'yes' : 'NO'}; ${notes}`,
        });
      }
    } finally {
      await nginx.stop();
    }
    execFileSync('rm', ['-rf', tree, ...['archive', 'bare-user'].flatMap((m) => [join(workDir, `theirs-${m}`), join(workDir, `ours-${m}`)])]);
    return rows;
  },
};

export default suite;
