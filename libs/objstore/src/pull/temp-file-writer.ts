/**
 * A temp file written through an `fs.WriteStream` (a pull's spilled body, a big object's content)
 * whose errors can never escape. A write stream reports write failures (ENOSPC, EIO) as `'error'`
 * events, possibly between two of our writes, and a write still in flight when the stream is
 * destroyed fails later with ERR_STREAM_DESTROYED: with no listener, either is an uncaught
 * exception. Here the first error is kept and rethrown by the next {@link TempFileWriter.write} or
 * {@link TempFileWriter.end}; {@link TempFileWriter.discard} abandons the file on a failure path.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';

export class TempFileWriter {
  private readonly out: WriteStream;
  private error: Error | undefined;

  constructor(
    readonly path: string,
    options: { mode: number; highWaterMark: number },
  ) {
    this.out = createWriteStream(path, options);
    this.out.on('error', (e: Error) => (this.error ??= e));
  }

  /** Queues `chunk` without waiting for the stream's buffer to drain (an error surfaces at the next write or end). */
  queue(chunk: Uint8Array): void {
    this.check();
    this.out.write(chunk);
  }

  /** Queues `chunk`, waiting for `'drain'` when the stream's buffer is full. */
  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    if (this.out.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => {
        this.out.off('drain', onDrain);
        reject(e);
      };
      const onDrain = (): void => {
        this.out.off('error', onError);
        resolve();
      };
      this.out.once('drain', onDrain);
      this.out.once('error', onError);
    });
  }

  /** Writes out what is queued; resolves once every byte reached the file, or rejects with the first error. */
  async end(): Promise<void> {
    this.check();
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end((e?: Error | null) => (e ? reject(e) : resolve()));
    });
    this.check();
  }

  /** Abandons the file: destroys the stream, waits until its descriptor is closed, removes the file. */
  async discard(): Promise<void> {
    if (!this.out.closed) {
      await new Promise<void>((resolve) => {
        this.out.once('close', () => resolve());
        this.out.destroy();
      });
    }
    await rm(this.path, { force: true });
  }

  private check(): void {
    if (this.error) throw this.error;
  }
}
