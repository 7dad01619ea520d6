// %pre / %post / %posttrans of installed packages, run in the new root with bubblewrap (no network),
// with rpm's calling convention: `interpreter [args…] <script file> <$1>` where $1 = 1 (one instance of
// the package installed). Lua scriptlets (`-p <lua>`) are refused like rpm-ostree refuses them: running
// them needs rpm's embedded Lua interpreter with its rpm.* / posix.* extensions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoError, throwIfAborted, UnsupportedError } from '@tsostree/errors';
import { headerString, packageScriptlets, TAG, type Header, type ScriptletKind } from '@tsostree/rpmdb';
import { runInRoot } from './bwrap-run.js';

export type ScriptletPhase = 'pre' | 'post' | 'posttrans';

const PHASE_KIND: Record<ScriptletPhase, ScriptletKind> = { pre: 'prein', post: 'postin', posttrans: 'posttrans' };

export interface ScriptletPackage {
  nevra: string;
  /** The package's main header (from `readPackageHeaders`). */
  header: Header;
}

export type ScriptletProgress =
  | { type: 'scriptlet'; phase: ScriptletPhase; nevra: string }
  | { type: 'scriptlet-output'; phase: ScriptletPhase; nevra: string; stdout: string; stderr: string };

export interface RunScriptletsOptions {
  /** Where the tree's /etc is (`etc` during install, the default; `usr/etc` after post-processing). */
  etcDir?: string;
  signal?: AbortSignal;
  onProgress?: (event: ScriptletProgress) => void;
}

export interface RunScriptletsResult {
  ran: number;
  skipped: { nevra: string; phase: ScriptletPhase; reason: string }[];
}

function packageName(nevra: string, header: Header): string {
  return headerString(header, TAG.NAME) ?? nevra;
}

/**
 * Checks, before anything runs, that every scriptlet of `phase` can run (no Lua). Lets the compose fail
 * early — before extraction work is wasted — with the package and the phase in the message.
 */
export function checkScriptlets(phase: ScriptletPhase, packages: readonly ScriptletPackage[]): void {
  for (const pkg of packages) {
    for (const s of packageScriptlets(pkg.header)) {
      if (s.kind === PHASE_KIND[phase] && s.lua) {
        throw new UnsupportedError(
          `Package '${packageName(pkg.nevra, pkg.header)}' has (currently) unsupported <lua> script in '%${phase}'`,
          { data: { package: pkg.nevra, phase } },
        );
      }
    }
  }
}

/**
 * Runs the `phase` scriptlet of each package, in the given order, inside `root`. A Lua scriptlet is an
 * `UnsupportedError`; a scriptlet that exits non-zero (or dies from a signal) is an `IoError` naming the
 * package and the phase, with the end of its stderr. Either stops the run.
 */
export async function runScriptlets(
  root: string,
  phase: ScriptletPhase,
  packages: readonly ScriptletPackage[],
  options: RunScriptletsOptions = {},
): Promise<RunScriptletsResult> {
  checkScriptlets(phase, packages);
  const result: RunScriptletsResult = { ran: 0, skipped: [] };
  const scratch = mkdtempSync(join(tmpdir(), 'tsostree-scriptlet-'));
  try {
    for (const pkg of packages) {
      throwIfAborted(options.signal);
      const script = packageScriptlets(pkg.header).find((s) => s.kind === PHASE_KIND[phase]);
      if (!script) continue;
      options.onProgress?.({ type: 'scriptlet', phase, nevra: pkg.nevra });
      const argv = [...script.interpreter];
      const roBinds: [string, string][] = [];
      if (script.body !== '') {
        const hostFile = join(scratch, `${result.ran}.sh`);
        writeFileSync(hostFile, script.body, { mode: 0o600 });
        roBinds.push([hostFile, '/run/tsostree-scriptlet']);
        argv.push('/run/tsostree-scriptlet');
      }
      argv.push('1');
      const run = await runInRoot({ root, etcDir: options.etcDir ?? 'etc', argv, roBinds, signal: options.signal });
      options.onProgress?.({ type: 'scriptlet-output', phase, nevra: pkg.nevra, stdout: run.stdout, stderr: run.stderr });
      if (run.exitCode !== 0) {
        const how = run.signalName ? `killed by ${run.signalName}` : `exit status ${run.exitCode}`;
        const tail = run.stderr.trim().split('\n').slice(-5).join('\n');
        throw new IoError(`Running %${phase} for ${pkg.nevra}: ${how}${tail ? `: ${tail}` : ''}`, {
          data: { package: pkg.nevra, phase, exitCode: run.exitCode, signal: run.signalName, stderr: run.stderr },
        });
      }
      result.ran++;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return result;
}
