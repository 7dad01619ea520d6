// The solver on a Fedora-size repository: 60,000 generated packages (power-law dependency fan-out, sonames,
// versioned requires, /usr/bin file requires, recommends) plus 3,000 installed at an older version.
// Ours: the libsolv-wasm backend (rpm-md bytes → wasm pool → solve → ordered transaction) in a fresh Node
// process. Reference: libsolv 0.7.23 built natively with gcc from the same Debian source
// (tools/libsolv-wasm/native-bench.c, same solver flags), on the same files. Each row runs both sides
// SOLVER_BENCH_REPEAT times (default 3), back to back and alternating which goes first, and shows the run with
// the median wall-time ratio; every run's wall and CPU ratios are in the notes.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT, type BenchRow, type BenchSuite, type Measurement } from '../harness.js';
import { generateSolverRepo } from './solver.work.js';

const COUNT = 60_000;
const INSTALLED = 3_000;
const INSTALL = 300;
const REPEAT = Math.max(1, Number(process.env.SOLVER_BENCH_REPEAT ?? 3));
const work = join(import.meta.dirname, 'solver.work.ts');
const native = join(WORKSPACE_ROOT, '.cache', 'libsolv-wasm', 'native', 'native-bench');

interface Sample {
  ours: Measurement;
  ref: Measurement;
}

/** Both sides REPEAT times, interleaved (odd runs start with the reference): the machine is shared. */
async function interleaved(ours: () => Promise<Measurement>, ref: () => Promise<Measurement>): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let run = 0; run < REPEAT; run++) {
    if (run % 2 === 1) {
      const r = await ref();
      samples.push({ ours: await ours(), ref: r });
    } else {
      const o = await ours();
      samples.push({ ours: o, ref: await ref() });
    }
  }
  return samples;
}

function medianRow(name: string, samples: Sample[], notes: string, unit?: string): BenchRow {
  const ratio = (x: Sample): number => x.ours.wallMs / x.ref.wallMs;
  const sorted = [...samples].sort((x, y) => ratio(x) - ratio(y));
  const mid = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const wall = samples.map((x) => ratio(x).toFixed(2)).join(', ');
  const cpu = samples.map((x) => (x.ours.cpuMs !== undefined && x.ref.cpuMs ? (x.ours.cpuMs / x.ref.cpuMs).toFixed(2) : '?')).join(', ');
  return {
    name: `${name} (median of ${samples.length})`,
    ours: mid.ours,
    reference: { ...mid.ref, tool: 'native libsolv' },
    unit,
    notes: `${notes}; wall ratios ${wall}; cpu ratios ${cpu}`,
  };
}

function nativeSplit(args: string[]): string {
  const out = execFileSync(native, args, { encoding: 'utf8' });
  return `native ${out.trim().replace(/=/g, ' ')}`;
}

const suite: BenchSuite = {
  name: `solver: libsolv-wasm vs native libsolv, ${COUNT.toLocaleString('en-US')} packages`,
  unavailable: () => {
    for (const tool of ['emcc', 'gcc', 'cmake']) {
      try {
        execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      } catch {
        return `${tool} is not installed (tools/setup.sh installs it)`;
      }
    }
    return undefined;
  },
  async run({ workDir, timeCommand, timeOurs }) {
    if (!existsSync(native)) {
      // Native libsolv from the same pinned Debian sources (cached under .cache/libsolv-wasm).
      execFileSync('bash', [join(WORKSPACE_ROOT, 'tools', 'libsolv-wasm', 'build.sh'), '--out', join(workDir, 'wasm-out'), '--native'], {
        stdio: 'ignore',
      });
    }
    const gen = await generateSolverRepo(workDir, COUNT, INSTALLED, INSTALL);
    const available = join(workDir, 'available.xml');
    const installed = join(workDir, 'installed.xml');
    const names = join(workDir, 'install-names.txt');
    const size = `primary ${(gen.bytes / 1e6).toFixed(0)} MB, ${gen.requires.toLocaleString('en-US')} requires`;
    const rows: BenchRow[] = [];

    const load = await interleaved(() => timeOurs(work, 'loadRepos', [workDir]), () => timeCommand(native, [available, installed, 'load']));
    rows.push(medianRow(`rpm-md load ${(COUNT + INSTALLED).toLocaleString('en-US')} packages`, load, `${size}; ${nativeSplit([available, installed, 'load'])}`, 'packages'));

    const inst = await interleaved(() => timeOurs(work, 'solveInstall', [workDir]), () => timeCommand(native, [available, installed, 'install', names]));
    rows.push(medianRow(`load + install ${INSTALL} packages`, inst, `${inst[0]!.ours.units} steps; ${nativeSplit([available, installed, 'install', names])}`));

    const upd = await interleaved(() => timeOurs(work, 'solveUpdateAll', [workDir]), () => timeCommand(native, [available, installed, 'update']));
    rows.push(medianRow(`load + update-all (${INSTALLED} installed)`, upd, `${upd[0]!.ours.units} steps; ${nativeSplit([available, installed, 'update'])}`));
    return rows;
  },
};

export default suite;
