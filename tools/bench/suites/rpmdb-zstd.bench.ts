// zstd payload decoding: the backend rpmdb picks on this Node version (node:zlib from Node 22.15,
// else fzstd) against zstd-codec and the real `zstd -dc`, on the payload of a generated package.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readPackageHeaders } from '@tsostree/rpmdb';
import type { BenchSuite } from '../harness.js';
import { makePayloadPackage } from './rpmdb-rpmfile.work.js';

const work = join(import.meta.dirname, 'rpmdb-zstd.work.ts');

const suite: BenchSuite = {
  name: 'rpmdb zstd payload decoders (rpmdb backend vs zstd-codec vs zstd -dc)',
  unavailable: () => {
    try {
      execFileSync('sh', ['-c', 'command -v zstd && command -v rpmbuild'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'zstd or rpmbuild is not installed';
    }
  },
  async run({ workDir, timeCommand, timeOurs }) {
    const rpm = makePayloadPackage(workDir, 200, 'w19.zstdio');
    const { payloadOffset } = await readPackageHeaders(rpm);
    const payload = join(workDir, 'payload.zst');
    const bytes = execFileSync('tail', ['-c', `+${payloadOffset + 1}`, rpm], { maxBuffer: 1 << 30 });
    const fd = openSync(payload, 'w');
    writeSync(fd, bytes);
    closeSync(fd);
    const reference = await timeCommand('zstd', ['-dc', '-q', payload]);
    const ours = await timeOurs(work, 'viaRpmdb', [payload]);
    const codec = await timeOurs(work, 'viaZstdCodec', [payload]);
    const zstdTool = { ...reference, tool: 'zstd -dc' };
    const node = process.versions.node;
    return [
      { name: `rpmdb decompress('zstd') on Node ${node}`, ours, reference: zstdTool, unit: 'MB' },
      { name: 'zstd-codec 0.1.5 ZstdDecompressTransform', ours: codec, reference: zstdTool, unit: 'MB' },
    ];
  },
};

export default suite;
