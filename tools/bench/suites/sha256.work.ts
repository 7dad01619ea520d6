import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';

/** Streams a file through SHA-256; returns its size in MiB as the units of work. */
export async function hashFile(path: string): Promise<{ units: number; digest: string }> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return { units: statSync(path).size / (1 << 20), digest: hash.digest('hex') };
}
