/**
 * The one error base class shared by every tsostree package.
 *
 * Every error has a stable string `code` (also a static on its class, so callers can write
 * `err.code === ChecksumMismatchError.code`), structured `data` for programs, and the standard
 * `cause` for the error it wraps. Libraries never print; the CLI maps codes to messages and exit
 * statuses.
 */

const BRAND = Symbol.for('@tsostree/errors.TsostreeError');

/** Structured, JSON-serialisable details that travel with an error. */
export type ErrorData = Record<string, unknown>;

export interface ErrorOptions {
  cause?: unknown;
  data?: ErrorData;
}

/** @public */
export class TsostreeError extends Error {
  /** The stable code of this class of error. Subclasses override it. */
  static readonly code: string = 'Internal';

  readonly code: string;
  readonly data: ErrorData;

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target as typeof TsostreeError;
    this.name = ctor.name;
    this.code = ctor.code;
    this.data = options.data ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }

  toJSON(): { code: string; message: string; data: ErrorData; cause?: unknown } {
    const json: { code: string; message: string; data: ErrorData; cause?: unknown } = {
      code: this.code,
      message: this.message,
      data: this.data,
    };
    if (this.cause !== undefined) {
      json.cause = isTsostreeError(this.cause)
        ? this.cause.toJSON()
        : this.cause instanceof Error
          ? { message: this.cause.message }
          : String(this.cause);
    }
    return json;
  }
}

/**
 * True for any tsostree error, even one created by another copy of this package
 * (two versions installed side by side), optionally of one code.
 */
export function isTsostreeError(value: unknown, code?: string): value is TsostreeError {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as TsostreeError).code === code;
}

/**
 * Prefixes a breadcrumb ("staging deployment: …") to an error while keeping its code and data;
 * the original error stays reachable as `cause`. Non-tsostree errors become `InternalError`s.
 */
export function withContext(context: string, error: unknown): TsostreeError {
  if (isTsostreeError(error)) {
    const ctor = error.constructor as new (message: string, options: ErrorOptions) => TsostreeError;
    const wrapped = new ctor(`${context}: ${error.message}`, { cause: error, data: error.data });
    return wrapped;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(`${context}: ${message}`, { cause: error });
}

/** A bug in tsostree itself, or a failure no other code describes. */
export class InternalError extends TsostreeError {
  static override readonly code = 'Internal' as const;
}
