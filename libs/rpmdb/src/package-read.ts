/**
 * Reading an RPM file's lead and headers from disk without reading its payload.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { fromSystemError } from '@tsostree/errors';
import { packageBytesNeeded, parsePackageHeaders, type RpmPackageHeaders } from './format/package.js';

/** Reads exactly what is needed to parse lead, signature header and main header of `path`. */
export async function readPackageHeaders(path: string): Promise<RpmPackageHeaders> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw fromSystemError(err, `opening ${path}`);
  }
  try {
    return await readPackageHeadersFrom(fh);
  } finally {
    await fh.close();
  }
}

/** Same as `readPackageHeaders`, from an open file handle (reads from byte 0 on). */
export async function readPackageHeadersFrom(fh: FileHandle): Promise<RpmPackageHeaders> {
  let buf = new Uint8Array(0);
  for (;;) {
    const want = packageBytesNeeded(buf);
    if (want <= buf.length) return parsePackageHeaders(buf);
    const next = new Uint8Array(want);
    next.set(buf);
    let have = buf.length;
    while (have < want) {
      const { bytesRead } = await fh.read(next, have, want - have, have);
      if (bytesRead === 0) break;
      have += bytesRead;
    }
    buf = next.subarray(0, have);
    // A short file: the parser reports where it is truncated.
    if (have < want) return parsePackageHeaders(buf);
  }
}
