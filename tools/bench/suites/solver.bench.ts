// The solver on a Fedora-size repository: 60,000 generated packages (power-law dependency fan-out, sonames,
// versioned requires, /usr/bin file requires, recommends) plus 3,000 installed at an older version.
// Ours: the libsolv-wasm backend (rpm-md bytes → wasm pool → solve → ordered transaction) in a fresh Node
// process. Reference: libsolv 0.7.23 built natively with gcc from the same Debian source
// (tools/libsolv-wasm/native-bench.c, same solver flags), on the same files. Best of 3 runs each.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT, type BenchRow, type BenchSuite, type Measurement } from '../harness.js';
import { generateSolverRepo } from './solver.work.js';

const COUNT = 60_000;
const INSTALLED = 3_000;
const INSTALL = 300;
const work = join(import.meta.dirname, 'solver.work.ts');
const native = join(WORKSPACE_ROOT, '.cache', 'libsolv-wasm', 'native', 'native-bench');

/** The machine is shared: each side runs RUNS times and the fastest run is reported. */
const RUNS = 3;
async function best(measure: () => Promise<Measurement>): Promise<Measurement> {
  let fastest: Measurement | undefined;
  for (let i = 0; i < RUNS; i++) {
    const m = await measure();
    if (!fastest || m.wallMs < fastest.wallMs) fastest = m;
  }
  return fastest as Measurement;
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

    const load = await best(() => timeOurs(work, 'loadRepos', [workDir]));
    const loadRef = await best(() => timeCommand(native, [available, installed, 'load']));
    rows.push({ name: `rpm-md load ${(COUNT + INSTALLED).toLocaleString('en-US')} packages`, ours: load, reference: { ...loadRef, tool: 'native libsolv' }, unit: 'packages', notes: `${size}; ${nativeSplit([available, installed, 'load'])}` });

    const inst = await best(() => timeOurs(work, 'solveInstall', [workDir]));
    const instRef = await best(() => timeCommand(native, [available, installed, 'install', names]));
    rows.push({ name: `load + install ${INSTALL} packages`, ours: inst, reference: { ...instRef, tool: 'native libsolv' }, notes: `${inst.units} steps; ${nativeSplit([available, installed, 'install', names])}` });

    const upd = await best(() => timeOurs(work, 'solveUpdateAll', [workDir]));
    const updRef = await best(() => timeCommand(native, [available, installed, 'update']));
    rows.push({ name: `load + update-all (${INSTALLED} installed)`, ours: upd, reference: { ...updRef, tool: 'native libsolv' }, notes: `${upd.units} steps; ${nativeSplit([available, installed, 'update'])}` });
    return rows;
  },
};

export default suite;
