// `npm run bench [suite-name-filter]`: runs every suite in tools/bench/suites and prints a table.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatRows, timeCommand, timeOurs, type BenchSuite } from './harness.js';

const filter = process.argv[2];
const suitesDir = join(import.meta.dirname, 'suites');
const files = (await readdir(suitesDir)).filter((f) => f.endsWith('.bench.ts')).sort();

console.log(`tsostree benchmarks on ${process.platform} ${process.arch}, node ${process.version}`);
let failed = 0;
for (const file of files) {
  const suite = (await import(pathToFileURL(join(suitesDir, file)).href)).default as BenchSuite;
  if (filter && !suite.name.includes(filter) && !file.includes(filter)) continue;
  const why = suite.unavailable?.();
  if (why) {
    console.log(`## ${suite.name}\n  not run: ${why}`);
    continue;
  }
  const workDir = await mkdtemp(join(tmpdir(), 'tsostree-bench-'));
  try {
    const rows = await suite.run({ workDir, timeCommand, timeOurs });
    console.log(formatRows(suite.name, rows));
  } catch (error) {
    failed++;
    console.log(`## ${suite.name}\n  FAILED: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
process.exitCode = failed > 0 ? 1 : 0;
