// A Fedora-size primary.xml (70,000 generated packages): our streaming reader (decompress + verify against
// repomd.xml + SAX parse into typed records) against libsolv's rpmmd2solv on the same bytes.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { BenchSuite } from '../harness.js';
import { generatePrimaryRepo } from './rpmdb-primary.work.js';

const COUNT = 70_000;
const work = join(import.meta.dirname, 'rpmdb-primary.work.ts');

const suite: BenchSuite = {
  name: 'rpmdb rpm-md primary.xml, 70,000 packages (ours vs libsolv rpmmd2solv)',
  unavailable: () => {
    for (const tool of ['rpmmd2solv', 'zstd', 'gzip']) {
      try {
        execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      } catch {
        return `${tool} is not installed`;
      }
    }
    return undefined;
  },
  async run({ workDir, timeCommand, timeOurs }) {
    const sizes = await generatePrimaryRepo(workDir, COUNT);
    const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
    const notes = `primary.xml ${mb(sizes.openBytes)}, .gz ${mb(sizes.gzBytes)}, .zst ${mb(sizes.zstBytes)}`;
    const plain = join(workDir, 'plain', 'primary.xml');
    const rows = [];
    for (const kind of ['gz', 'zst'] as const) {
      const repo = join(workDir, kind);
      const ours = await timeOurs(work, 'readPrimaryRepo', [repo]);
      const tool = kind === 'gz' ? 'gzip -dc' : 'zstd -dc';
      const reference = await timeCommand('sh', ['-c', `${tool} "$1"/repodata/*-primary.xml.${kind} | rpmmd2solv > /dev/null`, 'sh', repo]);
      rows.push({
        name: `readPrimary ${kind} repo (verify + decompress + parse)`,
        ours,
        reference: { ...reference, tool: `${tool} | rpmmd2solv` },
        unit: 'packages',
        notes,
      });
    }
    const ours = await timeOurs(work, 'parsePrimaryFile', [plain]);
    const reference = await timeCommand('sh', ['-c', 'rpmmd2solv < "$1" > /dev/null', 'sh', plain]);
    rows.push({ name: 'parse plain primary.xml', ours, reference: { ...reference, tool: 'rpmmd2solv' }, unit: 'packages' });
    return rows;
  },
};

export default suite;
