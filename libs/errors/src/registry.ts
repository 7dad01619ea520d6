import {
  AbortedError,
  ChecksumMismatchError,
  ConflictError,
  CorruptError,
  InvalidArgumentError,
  IoError,
  LockedError,
  NetworkError,
  NotFoundError,
  NotImplementedError,
  ParseError,
  SignatureInvalidError,
  UnsupportedError,
} from './codes.js';
import { InternalError } from './tsostree-error.js';

/** Every stable error code, in a fixed order (the CLI derives exit statuses from it). */
export const ERROR_CODES = [
  InternalError.code,
  InvalidArgumentError.code,
  NotFoundError.code,
  ParseError.code,
  CorruptError.code,
  ChecksumMismatchError.code,
  SignatureInvalidError.code,
  LockedError.code,
  ConflictError.code,
  UnsupportedError.code,
  NotImplementedError.code,
  NetworkError.code,
  IoError.code,
  AbortedError.code,
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
