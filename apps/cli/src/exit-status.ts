import { ERROR_CODES, type ErrorCode } from '@tsostree/errors';

/**
 * Exit status of the `tsostree` command for each error code. 0 is success, 1 is kept for
 * "the check said no" answers (like `ostree` itself), 2 is a usage error; every library error code
 * gets its own status so scripts can branch without parsing messages.
 */
export const EXIT_STATUS: Readonly<Record<ErrorCode, number>> = {
  Internal: 70,
  InvalidArgument: 2,
  NotFound: 3,
  Parse: 4,
  Corrupt: 5,
  ChecksumMismatch: 6,
  SignatureInvalid: 7,
  Locked: 8,
  Conflict: 9,
  Unsupported: 10,
  NotImplemented: 11,
  Network: 12,
  Io: 13,
  Aborted: 130,
};

export const EXIT_OK = 0;
export const EXIT_USAGE = 2;

export function exitStatusFor(code: string): number {
  return (ERROR_CODES as readonly string[]).includes(code) ? EXIT_STATUS[code as ErrorCode] : EXIT_STATUS.Internal;
}
