#!/usr/bin/env node
// `npm test`: type-check, lint and test every project through Nx (cached), then sum the Vitest
// JSON reports into one closing line: "tests: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const projectDirs = ['libs', 'apps']
  .flatMap((d) => readdirSync(join(root, d)).map((n) => join(root, d, n)))
  .concat(join(root, 'tools'))
  .filter((d) => existsSync(join(d, 'project.json')));

for (const dir of projectDirs) rmSync(join(dir, '.reports'), { recursive: true, force: true });

const nx = join(root, 'node_modules', '.bin', 'nx');
// On CI every target really runs: Nx keeps a machine-wide cache (~/.nx), and a green result replayed
// from it would prove nothing about the commit under test.
const extra = [...(process.env.CI ? ['--skip-nx-cache'] : []), ...process.argv.slice(2)];
const run = spawnSync(nx, ['run-many', '-t', 'typecheck', 'lint', 'test', '--outputStyle=stream', ...extra], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NX_DAEMON: process.env.NX_DAEMON ?? 'false', FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
});

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const dir of projectDirs) {
  const file = join(dir, '.reports', 'vitest.json');
  const name = dir.slice(root.length + 1);
  if (!existsSync(file)) {
    rows.push(`  ${name.padEnd(16)} no report (tests did not run)`);
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  rows.push(`  ${name.padEnd(16)} ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
}
console.log('\nTest counts per project:');
console.log(rows.join('\n'));
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = run.status === 0 && failed === 0 ? 0 : 1;
