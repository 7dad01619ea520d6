import { TsostreeError, type ErrorOptions } from './tsostree-error.js';

/** Something named (an object, ref, file, package, deployment) does not exist. */
export class NotFoundError extends TsostreeError {
  static override readonly code = 'NotFound' as const;
}

/** Stored data is damaged: structurally invalid or inconsistent. */
export class CorruptError extends TsostreeError {
  static override readonly code = 'Corrupt' as const;
}

/** Data does not hash to the checksum it is stored or announced under. */
export class ChecksumMismatchError extends TsostreeError {
  static override readonly code = 'ChecksumMismatch' as const;

  constructor(message: string, options: ErrorOptions & { expected?: string; actual?: string } = {}) {
    const { expected, actual, ...rest } = options;
    super(message, { ...rest, data: { ...rest.data, expected, actual } });
  }
}

/** Bytes or text that cannot be parsed; `data.offset` is the byte offset where parsing failed. */
export class ParseError extends TsostreeError {
  static override readonly code = 'Parse' as const;

  get offset(): number | undefined {
    return typeof this.data.offset === 'number' ? this.data.offset : undefined;
  }

  constructor(message: string, options: ErrorOptions & { offset?: number } = {}) {
    const { offset, ...rest } = options;
    super(message, { ...rest, data: offset === undefined ? { ...rest.data } : { ...rest.data, offset } });
  }
}

/** A signature is missing, malformed, made by an untrusted or revoked key, or does not verify. */
export class SignatureInvalidError extends TsostreeError {
  static override readonly code = 'SignatureInvalid' as const;
}

/** A lock (sysroot, repository) is held by someone else. */
export class LockedError extends TsostreeError {
  static override readonly code = 'Locked' as const;
}

/** The request contradicts existing state (a file exists, a package conflicts, a ref moved). */
export class ConflictError extends TsostreeError {
  static override readonly code = 'Conflict' as const;
}

/** A valid request for something this build does not support (a repo mode, a compressor, Lua). */
export class UnsupportedError extends TsostreeError {
  static override readonly code = 'Unsupported' as const;
}

/** The caller passed an invalid argument or option. */
export class InvalidArgumentError extends TsostreeError {
  static override readonly code = 'InvalidArgument' as const;
}

/** A feature that is planned but not implemented yet. */
export class NotImplementedError extends TsostreeError {
  static override readonly code = 'NotImplemented' as const;
}

/** A network transfer failed after its retries. */
export class NetworkError extends TsostreeError {
  static override readonly code = 'Network' as const;
}

/** A filesystem or operating-system call failed (permission denied, disk full…). */
export class IoError extends TsostreeError {
  static override readonly code = 'Io' as const;
}

/** The operation was cancelled through its AbortSignal. */
export class AbortedError extends TsostreeError {
  static override readonly code = 'Aborted' as const;
}
