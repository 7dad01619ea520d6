import { AbortedError } from './codes.js';

/** Throws an `AbortedError` (carrying the signal's reason) if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AbortedError('operation cancelled', { cause: signal.reason });
  }
}
