import { open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CorruptError, NotFoundError, fromSystemError } from '@tsostree/errors';
import type { DeltaPartMeta } from '../format/static-delta.js';
import type { Repo } from '../repo.js';
import { cleanupRepoTmp } from '../repo-tmp-cleanup.js';
import { applyStaticDelta, type DeltaApplyOptions, type DeltaApplyResult, type DeltaSource } from './delta-apply.js';

/** Largest superblock file we read (ostree's metadata limit). */
const MAX_SUPERBLOCK = 128 * 1024 * 1024;

/** Reads a file of at most `max` bytes (and exactly `exact` when given) without trusting its size up front. */
export async function readBoundedFile(path: string, max: number, exact?: number): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${path}: no such file`, { cause: error, data: { path } });
    throw fromSystemError(error, `opening ${path}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new CorruptError(`${path} is not a regular file`, { data: { path } });
    if (st.size > max) throw new CorruptError(`${path} is too large (${st.size} bytes)`, { data: { path } });
    if (exact !== undefined && st.size !== exact) {
      throw new CorruptError(`${path} is ${st.size} bytes, expected ${exact}`, { data: { path } });
    }
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await fh.read(buf, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    if (off !== st.size) throw new CorruptError(`${path} shrank while being read`, { data: { path } });
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } finally {
    await fh.close();
  }
}

/**
 * A delta stored as files: a directory holding `superblock` and parts `0`, `1`, …, or the path
 * of a superblock file whose parts sit next to it (`ostree static-delta generate --filename`).
 */
export async function deltaSourceFromPath(path: string): Promise<DeltaSource> {
  let st;
  try {
    st = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${path}: no such file or directory`, { cause: error, data: { path } });
    throw fromSystemError(error, `opening ${path}`);
  }
  const dir = st.isDirectory() ? path : dirname(path);
  const superblock = await readBoundedFile(st.isDirectory() ? join(path, 'superblock') : path, MAX_SUPERBLOCK);
  return {
    superblock,
    readPart: (index: number, meta: DeltaPartMeta) => readBoundedFile(join(dir, String(index)), meta.size, meta.size),
  };
}

/** `ostree static-delta apply-offline PATH`: applies a delta from a directory or superblock file. */
export async function applyStaticDeltaOffline(repo: Repo, path: string, options: DeltaApplyOptions = {}): Promise<DeltaApplyResult> {
  const source = await deltaSourceFromPath(path);
  await cleanupRepoTmp(repo);
  return applyStaticDelta(repo, source, options);
}
