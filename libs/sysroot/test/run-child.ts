// Runs a TypeScript file of this workspace in a fresh Node process (sources through tsx, like the
// bench harness), for tests that must kill the process doing the work.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKSPACE_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export function spawnTs(file: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--conditions=@tsostree/source', '--import', 'tsx', file, ...args], {
    cwd: WORKSPACE_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runTs(file: string, args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawnTs(file, args);
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolves when the child printed `marker` on stdout. */
export function waitForLine(p: ChildProcess, marker: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`child did not print ${marker}: ${out} ${err}`)), timeoutMs);
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(marker)) {
        clearTimeout(timer);
        resolve();
      }
    });
    p.on('exit', () => {
      clearTimeout(timer);
      if (!out.includes(marker)) reject(new Error(`child exited before printing ${marker}: ${out} ${err}`));
    });
  });
}
