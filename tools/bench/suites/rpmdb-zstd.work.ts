// zstd decoders on an rpm payload: the package's own interface (node:zlib where the Node version has
// zstd, else fzstd) and zstd-codec (the codec the design first named: Emscripten-built libzstd).
import { createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';
import { decompress, zstdBackend } from '@tsostree/rpmdb';

/** Through the rpmdb decompression interface; units = MB of output. */
export async function viaRpmdb(path: string): Promise<{ units: number; backend: string }> {
  let n = 0;
  for await (const c of decompress(createReadStream(path, { highWaterMark: 1 << 18 }) as AsyncIterable<Uint8Array>, 'zstd')) n += c.length;
  return { units: n / 1e6, backend: zstdBackend };
}

/** Through zstd-codec's streaming Transform; units = MB of output. */
export async function viaZstdCodec(path: string): Promise<{ units: number }> {
  const require = createRequire(import.meta.url);
  const streams = require('zstd-codec/lib/zstd-stream.js') as { run: (f: (s: { ZstdDecompressTransform: new () => Transform }) => void) => void };
  const { ZstdDecompressTransform } = await new Promise<{ ZstdDecompressTransform: new () => Transform }>((resolve) => streams.run(resolve));
  let n = 0;
  const out = createReadStream(path, { highWaterMark: 1 << 18 }).pipe(new ZstdDecompressTransform());
  for await (const c of out) n += (c as Buffer).length;
  return { units: n / 1e6 };
}

export function sizeMB(path: string): number {
  return statSync(path).size / 1e6;
}
