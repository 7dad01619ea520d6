// Static deltas between two versions of the generated OS-like tree, tsostree vs real ostree:
// delta bytes for the same pair of commits (target: ours ≤ ostree's), generation time and peak
// RSS, and offline apply time into a bare-user repository (which real ostree then fscks).
// Fallbacks are disabled (--min-fallback-size=0) so every delta applies offline and the byte
// counts compare whole deltas.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRow, BenchSuite } from '../harness.js';

const FILES = Number(process.env.OBJSTORE_DELTA_BENCH_FILES ?? 8_000);
/** OBJSTORE_DELTA_BENCH_SCRATCH=0 skips the from-scratch rows (xz-bound: minutes per tool). */
const SCRATCH = process.env.OBJSTORE_DELTA_BENCH_SCRATCH !== '0';
const BYTES = Number(process.env.OBJSTORE_DELTA_BENCH_BYTES ?? 200 * 1024 * 1024);

const mb = (n: number): string => (n / 1e6).toFixed(2);
const ostree = (...args: string[]): string => execFileSync('ostree', args, { encoding: 'utf8', maxBuffer: 1 << 26 }).trim();
const dirBytes = (dir: string): number => readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

const suite: BenchSuite = {
  name: 'objstore static deltas (OS-like tree v1 → v2, tsostree vs ostree)',
  unavailable: () => {
    try {
      execFileSync('ostree', ['--version'], { stdio: 'ignore' });
    } catch {
      return 'ostree is not installed';
    }
    return undefined;
  },
  async run({ workDir, timeCommand, timeOurs }) {
    const treeWork = join(import.meta.dirname, 'objstore-commit-checkout.work.ts');
    const work = join(import.meta.dirname, 'objstore-delta.work.ts');
    const tree = join(workDir, 'tree');
    const repo = join(workDir, 'repo');
    await timeOurs(treeWork, 'generateTreeToFile', [tree, FILES, BYTES, join(workDir, 'stats.json')]);
    ostree('init', `--repo=${repo}`, '--mode=archive');
    const v1 = ostree('commit', `--repo=${repo}`, '-b', 'main', '--timestamp=@1577836800', '-s', 'v1', tree);
    const changed = await timeOurs(work, 'mutateTree', [tree]);
    const v2 = ostree('commit', `--repo=${repo}`, '-b', 'main', '--timestamp=@1577923200', '-s', 'v2', tree);
    // Nothing is deleted before the last timed run (see objstore-pull.bench.ts: on this no-journal ext4, files
    // created within minutes of a big deletion pay for it).
    const made: string[] = [tree];
    const notes = `${FILES} files, ${mb(BYTES)} MB tree; v2 changes ${changed.units ?? '?'} files`;
    const rows: BenchRow[] = [];
    const pairs: (readonly [string, string | null])[] = [['v1 → v2', v1], ...(SCRATCH ? [['from scratch → v2', null] as const] : [])];
    for (const [label, from] of pairs) {
      const theirsDir = join(workDir, `theirs-${from ? 'ft' : 'scratch'}`);
      const oursDir = join(workDir, `ours-${from ? 'ft' : 'scratch'}`);
      mkdirSync(theirsDir);
      mkdirSync(oursDir);
      const theirGen = await timeCommand('ostree', [
        'static-delta', 'generate', `--repo=${repo}`, '--min-fallback-size=0', ...(from ? [`--from=${from}`] : ['--empty']), `--to=${v2}`, `--filename=${join(theirsDir, 'superblock')}`,
      ]);
      const ourGen = await timeOurs(work, 'generate', [repo, from, v2, join(oursDir, 'superblock'), 0]);
      const theirBytes = dirBytes(theirsDir);
      const ourBytes = dirBytes(oursDir);
      rows.push({
        name: `generate ${label}`,
        ours: ourGen,
        reference: { ...theirGen, tool: 'ostree static-delta generate' },
        unit: 'bytes',
        notes: `delta bytes: ours ${mb(ourBytes)} MB, ostree ${mb(theirBytes)} MB (ratio ${(ourBytes / theirBytes).toFixed(3)}); ${notes}`,
      });
      // Apply each tool's own delta into a bare-user repo holding the source commit.
      const targets = ['theirs', 'ours'].map((who) => {
        const t = join(workDir, `${who}-target-${from ? 'ft' : 'scratch'}`);
        ostree('init', `--repo=${t}`, '--mode=bare-user');
        if (from) ostree('pull-local', `--repo=${t}`, repo, from);
        return t;
      });
      execFileSync('sync');
      const theirApply = await timeCommand('ostree', ['static-delta', 'apply-offline', `--repo=${targets[0]!}`, theirsDir]);
      const ourApply = await timeOurs(work, 'apply', [targets[1]!, oursDir]);
      const fsck = ostree('fsck', `--repo=${targets[1]!}`).includes('completed successfully') ? 'real fsck of ours: ok' : 'real fsck of ours: FAILED';
      rows.push({
        name: `apply-offline ${label} → bare-user`,
        ours: ourApply,
        reference: { ...theirApply, tool: 'ostree static-delta apply-offline' },
        unit: 'objects',
        notes: `each tool applies its own delta; ${fsck}`,
      });
      made.push(...targets);
    }
    execFileSync('rm', ['-rf', ...made]);
    return rows;
  },
};

export default suite;
