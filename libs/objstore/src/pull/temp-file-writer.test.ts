import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TempFileWriter } from './temp-file-writer.js';

/** Runs `fn` and returns the uncaught exceptions raised meanwhile and in the next 50 ms. */
async function uncaughtDuring(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onUncaught = (e: unknown): void => void seen.push(e);
  process.prependListener('uncaughtException', onUncaught);
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.off('uncaughtException', onUncaught);
  }
  return seen;
}

describe('TempFileWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsostree-tfw-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every queued and written byte, in order', async () => {
    const w = new TempFileWriter(join(dir, 'f'), { mode: 0o600, highWaterMark: 1024 });
    w.queue(Buffer.alloc(3000, 1));
    for (let i = 2; i < 66; i++) await w.write(Buffer.alloc(4096, i));
    await w.end();
    const data = readFileSync(w.path);
    expect(data.length).toBe(3000 + 64 * 4096);
    expect([data[0], data[3000], data.at(-1)]).toEqual([1, 2, 65]);
  });

  it('discard with a write in flight raises no uncaught error and removes the file', async () => {
    // A write in flight when a stream is destroyed fails with ERR_STREAM_DESTROYED, emitted as an
    // 'error' event: with no listener, that killed a pull fault test now and then.
    const w = new TempFileWriter(join(dir, 'g'), { mode: 0o600, highWaterMark: 1 << 20 });
    const uncaught = await uncaughtDuring(async () => {
      await once((w as unknown as { out: NodeJS.EventEmitter }).out, 'open');
      for (let i = 0; i < 3; i++) w.queue(Buffer.alloc(1 << 20));
      await w.discard();
    });
    expect(uncaught).toEqual([]);
    expect(existsSync(w.path)).toBe(false);
  });

  it('an error the stream reports between writes is thrown by the next end, not uncaught', async () => {
    const w = new TempFileWriter(join(dir, 'missing', 'h'), { mode: 0o600, highWaterMark: 1024 });
    let thrown: unknown;
    const uncaught = await uncaughtDuring(async () => {
      w.queue(Buffer.from('x'));
      await new Promise((r) => setTimeout(r, 20));
      thrown = await w.end().catch((e: unknown) => e);
      await w.discard();
    });
    expect(uncaught).toEqual([]);
    expect((thrown as NodeJS.ErrnoException).code).toBe('ENOENT');
    await expect(w.write(Buffer.from('y'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
