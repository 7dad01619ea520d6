// Baseline for every content-addressed hot path: SHA-256 throughput of node:crypto (what the
// object store hashes with) against coreutils' sha256sum on the same 256 MiB file.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchSuite } from '../harness.js';

const SIZE_MIB = 256;

const suite: BenchSuite = {
  name: 'sha256 baseline (node:crypto vs sha256sum)',
  unavailable: () => {
    try {
      execFileSync('sha256sum', ['--version'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'sha256sum is not installed';
    }
  },
  async run({ workDir, timeCommand, timeOurs }) {
    const file = join(workDir, 'blob');
    const fd = openSync(file, 'w');
    execFileSync('head', ['-c', `${SIZE_MIB}M`, '/dev/urandom'], { stdio: ['ignore', fd, 'inherit'] });
    closeSync(fd);
    const ours = await timeOurs(join(import.meta.dirname, 'sha256.work.ts'), 'hashFile', [file]);
    const reference = await timeCommand('sha256sum', [file]);
    return [{ name: `hash ${SIZE_MIB} MiB`, ours, reference: { ...reference, tool: 'sha256sum' }, unit: 'MiB' }];
  },
};

export default suite;
