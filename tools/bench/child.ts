// Runs one exported benchmark function in this fresh process and prints one JSON line:
// the call's wall time, its CPU time, this process's peak RSS, and the units of work it reports.
// CPU time counts the child processes the call ran and waited for (bubblewrap, scriptlets, `sync`), as GNU
// time does for the reference tools' own children.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

/** Clock ticks per second of /proc's times (USER_HZ). */
const CLK_TCK = process.platform === 'linux' ? Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100 : 100;

/** CPU time (user + system, ms) of the waited-for children of this process so far (Linux; 0 elsewhere). */
function childrenCpuMs(): number {
  if (process.platform !== 'linux') return 0;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after "(comm) ": state is field 3, cutime field 16, cstime field 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK;
}

const [modulePath, exportName, argsJson] = process.argv.slice(2);
const mod = (await import(pathToFileURL(resolve(modulePath!)).href)) as Record<string, unknown>;
const fn = mod[exportName!];
if (typeof fn !== 'function') throw new Error(`${modulePath} does not export a function ${exportName}`);
const started = performance.now();
const cpu0 = process.cpuUsage();
const children0 = childrenCpuMs();
const result = (await (fn as (...a: unknown[]) => Promise<unknown>)(...(JSON.parse(argsJson!) as unknown[]))) as
  | { units?: number }
  | undefined;
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000 + (childrenCpuMs() - children0);
process.stdout.write(`${JSON.stringify({ wallMs, cpuMs, peakRssKiB: process.resourceUsage().maxRSS, units: result?.units })}\n`);
