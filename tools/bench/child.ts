// Runs one exported benchmark function in this fresh process and prints one JSON line:
// the call's wall time, this process's peak RSS, and the units of work it reports.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [modulePath, exportName, argsJson] = process.argv.slice(2);
const mod = (await import(pathToFileURL(resolve(modulePath!)).href)) as Record<string, unknown>;
const fn = mod[exportName!];
if (typeof fn !== 'function') throw new Error(`${modulePath} does not export a function ${exportName}`);
const started = performance.now();
const cpu0 = process.cpuUsage();
const result = (await (fn as (...a: unknown[]) => Promise<unknown>)(...(JSON.parse(argsJson!) as unknown[]))) as
  | { units?: number }
  | undefined;
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssKiB: process.resourceUsage().maxRSS, units: result?.units })}\n`,
);
