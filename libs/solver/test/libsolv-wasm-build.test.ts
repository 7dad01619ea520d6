// The committed WebAssembly build is reproducible, and libsolv's own upstream test suite passes on it.
//
// 1. Rebuilds libs/solver/wasm/ from Debian's source packages with tools/libsolv-wasm/build.sh into a temporary
//    folder and compares the bytes with the committed artifacts (and the provenance file).
// 2. Runs every case of libsolv's test/testcases (from the same source package) through libsolv's `testsolv`
//    compiled by the same toolchain, and through Debian's native `testsolv` (libsolv-tools, same upstream version):
//    every case that passes natively must pass on WebAssembly.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const work = join(root, '.cache', 'libsolv-wasm');
const committed = join(import.meta.dirname, '..', 'wasm');
const out = mkdtempSync(join(tmpdir(), 'libsolv-wasm-'));

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function findCases(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findCases(path));
    else if (name.endsWith('.t')) found.push(path);
  }
  return found;
}

async function exitCode(cmd: string, args: string[], cwd: string): Promise<number> {
  try {
    await run(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw error;
  }
}

beforeAll(async () => {
  try {
    await run('bash', [join(root, 'tools', 'libsolv-wasm', 'build.sh'), '--out', out, '--testsolv', '--clean'], {
      env: { ...process.env, LIBSOLV_WASM_WORK: work, JOBS: '2' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    throw new Error(`tools/libsolv-wasm/build.sh failed:\n${stderr.split('\n').slice(-40).join('\n')}`, { cause: error });
  }
}, 900_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('libsolv WebAssembly build', () => {
  it('rebuilds byte-for-byte identical to the committed artifacts', () => {
    for (const file of ['libsolv.wasm', 'libsolv.mjs', 'provenance.json']) {
      expect({ file, sha256: sha256(join(out, file)) }).toEqual({ file, sha256: sha256(join(committed, file)) });
    }
    const provenance = JSON.parse(readFileSync(join(committed, 'provenance.json'), 'utf8')) as {
      artifacts: Record<string, { sha256: string }>;
    };
    expect(provenance.artifacts['libsolv.wasm']?.sha256).toBe(sha256(join(committed, 'libsolv.wasm')));
  });

  it("passes libsolv's upstream testcases wherever native testsolv passes", async () => {
    const casesDir = join(work, 'src', 'libsolv-0.7.23', 'test', 'testcases');
    const cases = findCases(casesDir);
    expect(cases.length).toBeGreaterThan(90);
    const runner = join(root, 'tools', 'libsolv-wasm', 'run-testsolv.cjs');
    const testsolvWasm = join(work, 'wasm', 'testsolv.cjs');
    const results: { name: string; native: number; wasm: number }[] = [];
    for (const tc of cases) {
      const name = relative(casesDir, tc);
      const native = await exitCode('testsolv', [tc], casesDir);
      const wasm = await exitCode(process.execPath, [runner, testsolvWasm, tc], casesDir);
      results.push({ name, native, wasm });
    }
    const regressions = results.filter((r) => r.native === 0 && r.wasm !== 0);
    expect(regressions).toEqual([]);
    // Sanity: the suite is not vacuous on either side.
    expect(results.filter((r) => r.native === 0).length).toBeGreaterThan(90);
  }, 600_000);
});
