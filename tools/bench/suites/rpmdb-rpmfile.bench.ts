// RPM files: header parsing (packages/s) against `rpm -qp --qf` on the same files, and payload
// extraction (MB/s) against `rpm2cpio | cpio -idm`, for each payload compressor.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRow, BenchSuite } from '../harness.js';
import { makeBigFilePackage, makeHeaderCorpus, makePayloadPackage } from './rpmdb-rpmfile.work.js';

const work = join(import.meta.dirname, 'rpmdb-rpmfile.work.ts');
const COPIES = 400;
const FILES = 3000;
const PAYLOAD_MB = 200;
const BIG_MB = 2048;

const suite: BenchSuite = {
  name: 'rpmdb RPM files (headers vs rpm -qp, extraction vs rpm2cpio | cpio -idm)',
  unavailable: () => {
    for (const tool of ['rpm', 'rpmbuild', 'rpm2cpio', 'cpio']) {
      try {
        execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      } catch {
        return `${tool} is not installed`;
      }
    }
    return undefined;
  },
  async run({ workDir, timeCommand, timeOurs }) {
    const rows: BenchRow[] = [];
    const paths = makeHeaderCorpus(workDir, FILES, COPIES);
    const ours = await timeOurs(work, 'parseHeaders', [paths]);
    const reference = await timeCommand('sh', ['-c', `rpm -qp --nosignature --nodigest --qf '%{NEVRA} [%{FILENAMES}\\n][%{REQUIRENEVRS}\\n]' "$@" > /dev/null`, 'sh', ...paths]);
    rows.push({
      name: `parse ${COPIES} headers (${FILES} files, 400 deps each): NEVRA + files + requires`,
      ours,
      reference: { ...reference, tool: 'rpm -qp --qf', units: COPIES },
      unit: 'packages',
    });
    // Extracted trees are removed only after the last timed run (see objstore-pull.bench.ts: files created within
    // minutes of a deletion pay for it on this no-journal ext4).
    const made: string[] = [];
    for (const [label, payload] of [
      ['gzip', 'w6.gzdio'],
      ['zstd', 'w3.zstdio'],
      ['xz', 'w2.xzdio'],
      ['bzip2', 'w9.bzdio'],
      ['none', 'w0.ufdio'],
    ] as const) {
      const rpm = makePayloadPackage(workDir, PAYLOAD_MB, payload);
      const oursRoot = join(workDir, `ours-${label}`);
      const theirsRoot = join(workDir, `theirs-${label}`);
      mkdirSync(theirsRoot, { recursive: true });
      const o = await timeOurs(work, 'extract', [rpm, oursRoot]);
      const r = await timeCommand('sh', ['-c', `rpm2cpio "$1" | cpio -idm --quiet`, 'sh', rpm], { cwd: theirsRoot });
      made.push(oursRoot, theirsRoot);
      rows.push({ name: `extract ${PAYLOAD_MB} MB ${label} payload (2,100 files)`, ours: o, reference: { ...r, tool: 'rpm2cpio | cpio -idm' }, unit: 'MB' });
    }
    // One 2 GiB file: peak memory must not grow with the file.
    const big = makeBigFilePackage(workDir, BIG_MB);
    const bigOurs = join(workDir, 'ours-big');
    const bigTheirs = join(workDir, 'theirs-big');
    mkdirSync(bigTheirs, { recursive: true });
    const o = await timeOurs(work, 'extract', [big, bigOurs]);
    const r = await timeCommand('sh', ['-c', `rpm2cpio "$1" | cpio -idm --quiet`, 'sh', big], { cwd: bigTheirs });
    execFileSync('rm', ['-rf', ...made, bigOurs, bigTheirs]);
    rows.push({ name: `extract one ${BIG_MB} MB file (gzip -1 payload)`, ours: o, reference: { ...r, tool: 'rpm2cpio | cpio -idm' }, unit: 'MB' });
    return rows;
  },
};

export default suite;
