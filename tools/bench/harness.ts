// The benchmark harness behind `npm run bench`: each suite measures tsostree and the real tool
// on the same input, in separate processes, and reports wall time and peak RSS side by side.
// Benchmarks print numbers; they never assert on them.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const WORKSPACE_ROOT = join(import.meta.dirname, '..', '..');

export interface Measurement {
  /** Wall-clock time in milliseconds. */
  wallMs: number;
  /** Peak resident set size in KiB (GNU time's %M), when known. */
  peakRssKiB?: number;
  /** CPU time (user + system, waited-for child processes included) in milliseconds, when known: steadier than wall time on a busy machine. */
  cpuMs?: number;
  /** Work done, for throughput columns (files, bytes, packages…). */
  units?: number;
}

export interface BenchRow {
  name: string;
  ours: Measurement;
  /** The real tool on the same input; absent when there is no counterpart. */
  reference?: Measurement & { tool: string };
  /** What `units` counts, for a throughput column ("files", "MB"). */
  unit?: string;
  /** Free-form notes (bytes transferred, sizes). */
  notes?: string;
}

export interface BenchSuite {
  name: string;
  /** A reason the suite cannot run on this machine (a missing tool), or undefined. */
  unavailable?: () => string | undefined;
  run: (ctx: BenchContext) => Promise<BenchRow[]>;
}

export interface BenchContext {
  /** A scratch directory for this suite, removed afterwards. */
  workDir: string;
  /** Runs a command and measures it (GNU time when installed, for peak RSS). */
  timeCommand: (cmd: string, args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }) => Promise<Measurement>;
  /**
   * Runs an exported async function of a TypeScript module in a fresh Node process (so its peak
   * RSS is its own) and measures the call alone, without process start-up.
   */
  timeOurs: (modulePath: string, exportName: string, args: unknown[]) => Promise<Measurement>;
}

const GNU_TIME = '/usr/bin/time';

export function timeCommand(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Measurement> {
  const useTime = existsSync(GNU_TIME);
  const argv = useTime ? ['-f', '__BENCH_RSS__ %M %U %S', cmd, ...args] : args;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(useTime ? GNU_TIME : cmd, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      const m = /__BENCH_RSS__ (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
      resolve(m ? { wallMs, peakRssKiB: Number(m[1]), cpuMs: (Number(m[2]) + Number(m[3])) * 1000 } : { wallMs });
    });
  });
}

export async function timeOurs(modulePath: string, exportName: string, args: unknown[]): Promise<Measurement> {
  const child = join(import.meta.dirname, 'child.ts');
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ['--conditions=@tsostree/source', '--import', 'tsx', child, modulePath, exportName, JSON.stringify(args)],
      { cwd: WORKSPACE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`benchmark child failed (${code}): ${stderr.slice(-2000)}`)),
    );
  });
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Measurement;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Renders the rows of one suite as a plain-text table with ratios (ours / reference). */
export function formatRows(suite: string, rows: readonly BenchRow[]): string {
  const lines = [`## ${suite}`];
  for (const r of rows) {
    const o = r.ours;
    const parts = [`${r.name}:`, `ours ${fmt(o.wallMs)} ms`];
    if (o.peakRssKiB !== undefined) parts.push(`peak ${fmt(o.peakRssKiB / 1024, 1)} MiB`);
    if (o.cpuMs !== undefined) parts.push(`cpu ${fmt(o.cpuMs)} ms`);
    if (o.units !== undefined && r.unit) parts.push(`${fmt((o.units * 1000) / o.wallMs)} ${r.unit}/s`);
    if (r.reference) {
      const ref = r.reference;
      parts.push(`| ${ref.tool} ${fmt(ref.wallMs)} ms`);
      if (ref.peakRssKiB !== undefined) parts.push(`peak ${fmt(ref.peakRssKiB / 1024, 1)} MiB`);
      if (ref.cpuMs !== undefined) parts.push(`cpu ${fmt(ref.cpuMs)} ms`);
      parts.push(`| ratio ${fmt(o.wallMs / ref.wallMs, 2)}`);
      if (o.cpuMs !== undefined && ref.cpuMs !== undefined && ref.cpuMs > 0) parts.push(`cpu ratio ${fmt(o.cpuMs / ref.cpuMs, 2)}`);
    }
    if (r.notes) parts.push(`| ${r.notes}`);
    lines.push(`  ${parts.join(' ')}`);
  }
  return lines.join('\n');
}

/** A suite's `unavailable` check for the external tools it runs: the first one not on PATH, as the reason. */
export function requireTools(...tools: string[]): () => string | undefined {
  return () => {
    for (const tool of tools) {
      try {
        execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' });
      } catch {
        return `${tool} is not installed (tools/setup.sh installs it)`;
      }
    }
    return undefined;
  };
}
