import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';

const dirs: string[] = [];

/** A fresh temp directory, removed after the current test. */
export async function tempDir(prefix = 'objstore-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Runs the real `ostree` binary and returns its stdout (throws with stderr on failure). */
export function ostree(args: string[], options: ExecFileSyncOptions = {}): string {
  try {
    return execFileSync('ostree', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options }) as string;
  } catch (error) {
    const e = error as { stderr?: Buffer | string; message: string };
    throw new Error(`ostree ${args.join(' ')} failed: ${String(e.stderr ?? e.message)}`);
  }
}

/** Runs a command, returning status/stdout/stderr without throwing. */
export function run(cmd: string, args: string[]): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { status: e.status ?? 1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? '') };
  }
}
