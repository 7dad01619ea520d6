import { describe, expect, it } from 'vitest';
import {
  ChecksumMismatchError,
  ERROR_CODES,
  InternalError,
  NotFoundError,
  ParseError,
  TsostreeError,
  fromSystemError,
  isTsostreeError,
  throwIfAborted,
  withContext,
} from './index.js';

describe('TsostreeError', () => {
  it('carries a stable code that is also static on the class', () => {
    const err = new NotFoundError('no such ref: foo', { data: { ref: 'foo' } });
    expect(err.code).toBe('NotFound');
    expect(NotFoundError.code).toBe('NotFound');
    expect(err).toBeInstanceOf(TsostreeError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('NotFoundError');
    expect(err.data).toEqual({ ref: 'foo' });
  });

  it('keeps the byte offset of a parse error', () => {
    const err = new ParseError('bad framing offset', { offset: 17, data: { type: 'a{sv}' } });
    expect(err.offset).toBe(17);
    expect(err.data).toEqual({ type: 'a{sv}', offset: 17 });
  });

  it('records expected and actual checksums', () => {
    const err = new ChecksumMismatchError('object corrupt', { expected: 'aa', actual: 'bb' });
    expect(err.data).toMatchObject({ expected: 'aa', actual: 'bb' });
  });

  it('serialises to JSON with its cause chain', () => {
    const inner = new ParseError('truncated', { offset: 3 });
    const outer = withContext('reading commit 1234', inner);
    expect(outer.code).toBe('Parse');
    expect(outer.message).toBe('reading commit 1234: truncated');
    expect(outer.cause).toBe(inner);
    expect(JSON.parse(JSON.stringify(outer))).toEqual({
      code: 'Parse',
      message: 'reading commit 1234: truncated',
      data: { offset: 3 },
      cause: { code: 'Parse', message: 'truncated', data: { offset: 3 } },
    });
  });

  it('wraps foreign errors as internal errors', () => {
    const wrapped = withContext('deploying', new RangeError('boom'));
    expect(wrapped).toBeInstanceOf(InternalError);
    expect(wrapped.code).toBe('Internal');
    expect(wrapped.message).toBe('deploying: boom');
  });

  it('recognises errors by brand, not by class identity', () => {
    const err = new NotFoundError('x');
    expect(isTsostreeError(err)).toBe(true);
    expect(isTsostreeError(err, 'NotFound')).toBe(true);
    expect(isTsostreeError(err, 'Parse')).toBe(false);
    expect(isTsostreeError(new Error('x'))).toBe(false);
    expect(isTsostreeError({ code: 'NotFound' })).toBe(false);
    expect(isTsostreeError(null)).toBe(false);
  });

  it('lists every code once', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect(ERROR_CODES).toContain('SignatureInvalid');
  });

  it('maps system errors by errno', () => {
    const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', path: '/x' });
    const mapped = fromSystemError(enoent, 'opening config');
    expect(mapped.code).toBe('NotFound');
    expect(mapped.data).toEqual({ errno: 'ENOENT', path: '/x' });
    expect(fromSystemError(Object.assign(new Error('e'), { code: 'EACCES' }), 'x').code).toBe('Io');
    expect(fromSystemError(Object.assign(new Error('e'), { code: 'EEXIST' }), 'x').code).toBe('Conflict');
  });

  it('throws Aborted for a fired signal', () => {
    const ctl = new AbortController();
    expect(() => throwIfAborted(ctl.signal)).not.toThrow();
    ctl.abort(new Error('stop'));
    expect(() => throwIfAborted(ctl.signal)).toThrowError(expect.objectContaining({ code: 'Aborted' }));
  });
});
