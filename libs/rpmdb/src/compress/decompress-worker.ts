/**
 * Runs a pure-JavaScript decompressor (fzstd for zstd, unbzip2-stream for bzip2) in a worker thread, so that it
 * works in parallel with whatever consumes its output (the XML parser, a cpio reader) instead of taking turns with
 * it on the main thread. gzip and native zstd already run on libuv's thread pool and do not need this.
 *
 * Memory stays bounded: at most `MAX_IN_FLIGHT` input chunks are handed to the worker before it reports them
 * consumed, and no new input is sent while more than `MAX_QUEUED_BYTES` of output wait to be read.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { CorruptError } from '@tsostree/errors';

const MAX_IN_FLIGHT = 2;
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/** The worker, as CommonJS source (a worker file would need a TypeScript loader under the test runner). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { kind, modules } = workerData;
let out = [];
const emit = (chunk) => { if (chunk.length > 0) out.push(new Uint8Array(chunk)); };
let push;
let finish;
if (kind === 'zstd') {
  const { Decompress } = require(modules.fzstd);
  const decoder = new Decompress(emit);
  push = (chunk) => decoder.push(chunk);
  finish = () => decoder.push(new Uint8Array(0), true);
} else {
  const unbzip2 = require(modules.unbzip2);
  const stream = unbzip2();
  let failure;
  stream.on('data', emit);
  stream.on('error', (error) => { failure = failure || error; });
  push = (chunk) => { stream.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)); if (failure) throw failure; };
  finish = () => { stream.end(); if (failure) throw failure; };
}
const flush = () => {
  if (out.length === 0) return;
  const chunks = out;
  out = [];
  parentPort.postMessage({ type: 'out', chunks }, chunks.map((c) => c.buffer));
};
parentPort.on('message', (message) => {
  try {
    if (message.type === 'data') {
      push(message.chunk);
      flush();
      parentPort.postMessage({ type: 'consumed' });
    } else {
      finish();
      flush();
      parentPort.postMessage({ type: 'done' });
    }
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String((error && error.message) || error) });
  }
});
`;

let modulePaths: { fzstd: string; unbzip2: string } | undefined;
function modules(): { fzstd: string; unbzip2: string } {
  const require = createRequire(import.meta.url);
  modulePaths ??= { fzstd: require.resolve('fzstd'), unbzip2: require.resolve('unbzip2-stream') };
  return modulePaths;
}

type WorkerMessage =
  | { type: 'out'; chunks: Uint8Array[] }
  | { type: 'consumed' }
  | { type: 'done' }
  | { type: 'error'; message: string };

/** Decompresses zstd (pure-JS fzstd) or bzip2 in a worker thread; errors are `CorruptError`s. */
export async function* decompressInWorker(
  source: AsyncIterable<Uint8Array>,
  kind: 'zstd' | 'bzip2',
): AsyncGenerator<Uint8Array, void, undefined> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { kind, modules: modules() } });
  const queue: Uint8Array[] = [];
  let queuedBytes = 0;
  let consumed = 0;
  let done = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  worker.on('message', (message: WorkerMessage) => {
    if (message.type === 'out') {
      for (const chunk of message.chunks) {
        queue.push(chunk);
        queuedBytes += chunk.length;
      }
    } else if (message.type === 'consumed') consumed++;
    else if (message.type === 'done') done = true;
    else failure ??= new CorruptError(`corrupt ${kind} stream: ${message.message}`, { data: { compression: kind } });
    wake?.();
  });
  worker.on('error', (error) => {
    failure ??= error;
    wake?.();
  });
  const input = source[Symbol.asyncIterator]();
  let sent = 0;
  let ended = false;
  let sawInput = false;
  try {
    for (;;) {
      while (!ended && sent - consumed < MAX_IN_FLIGHT && queuedBytes < MAX_QUEUED_BYTES && !failure) {
        const next = await input.next();
        if (next.done) {
          if (!sawInput) throw new CorruptError(`empty ${kind} stream`, { data: { compression: kind } });
          worker.postMessage({ type: 'end' });
          ended = true;
        } else if (next.value.length > 0) {
          sawInput = true;
          const chunk = new Uint8Array(next.value); // a private copy, handed over without another copy
          worker.postMessage({ type: 'data', chunk }, [chunk.buffer]);
          sent++;
        }
      }
      if (failure) throw failure;
      const chunk = queue.shift();
      if (chunk) {
        queuedBytes -= chunk.length;
        yield chunk;
        continue;
      }
      if (done) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    await input.return?.();
    await worker.terminate();
  }
}
