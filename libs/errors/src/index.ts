export { TsostreeError, InternalError, isTsostreeError, withContext } from './tsostree-error.js';
export type { ErrorData, ErrorOptions } from './tsostree-error.js';
export {
  NotFoundError,
  CorruptError,
  ChecksumMismatchError,
  ParseError,
  SignatureInvalidError,
  LockedError,
  ConflictError,
  UnsupportedError,
  InvalidArgumentError,
  NotImplementedError,
  NetworkError,
  IoError,
  AbortedError,
} from './codes.js';
export { ERROR_CODES, type ErrorCode } from './registry.js';
export { throwIfAborted } from './abort.js';
export { fromSystemError } from './system-error.js';
