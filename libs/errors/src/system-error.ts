import { ConflictError, IoError, NotFoundError } from './codes.js';
import type { TsostreeError } from './tsostree-error.js';

/**
 * Turns a Node.js system error (`ENOENT`, `EEXIST`, `EACCES`…) into the matching typed error,
 * keeping the original as `cause` and the errno code and path in `data`.
 */
export function fromSystemError(error: unknown, context: string): TsostreeError {
  const sys = error as NodeJS.ErrnoException;
  const errno = typeof sys?.code === 'string' ? sys.code : undefined;
  const data = { errno, path: sys?.path };
  const message = `${context}: ${sys?.message ?? String(error)}`;
  switch (errno) {
    case 'ENOENT':
      return new NotFoundError(message, { cause: error, data });
    case 'EEXIST':
    case 'ENOTEMPTY':
      return new ConflictError(message, { cause: error, data });
    default:
      return new IoError(message, { cause: error, data });
  }
}
