import { InvalidArgumentError, ParseError } from '@tsostree/errors';

/**
 * Unsigned varints as static-delta operations use them (ostree-varint.c, the protobuf base-128
 * encoding: 7 bits per byte, least significant group first, high bit = more bytes follow), up to 64 bits.
 */

/** Reads a varint at `offset`; returns the value and the offset after it. Values above 2^53 are refused. */
export function readVarUint(bytes: Uint8Array, offset: number): [value: number, next: number] {
  let result = 0n;
  let shift = 0n;
  for (let i = offset; i < bytes.length && i < offset + 10; i++) {
    const b = bytes[i]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      if (result > BigInt(Number.MAX_SAFE_INTEGER)) throw new ParseError('varint out of range', { offset });
      return [Number(result), i + 1];
    }
    shift += 7n;
  }
  throw new ParseError(bytes.length - offset < 10 ? 'truncated varint' : 'varint longer than 10 bytes', { offset });
}

/** Encodes a non-negative safe integer as a varint. */
export function writeVarUint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`cannot encode ${value} as a varint`);
  const out: number[] = [];
  let v = BigInt(value);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Uint8Array.from(out);
}
