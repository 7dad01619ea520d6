import { ChecksumMismatchError, ERROR_CODES, LockedError, NotImplementedError, withContext } from '@tsostree/errors';
import { describe, expect, it } from 'vitest';
import type { CliContext } from './context.js';
import { reportError } from './error-handler.js';
import { EXIT_STATUS, exitStatusFor } from './exit-status.js';

function capture(): { ctx: CliContext; out: () => string } {
  let err = '';
  return {
    ctx: { stdout: () => {}, stderr: (t) => void (err += t), env: {}, cwd: '/', isTTY: false },
    out: () => err,
  };
}

describe('reportError', () => {
  it('prints a typed error as one line and maps its code to its exit status', () => {
    const { ctx, out } = capture();
    const status = reportError(new LockedError('sysroot is locked by pid 42'), ctx, false);
    expect(status).toBe(EXIT_STATUS.Locked);
    expect(out()).toBe('error: sysroot is locked by pid 42\n');
  });

  it('keeps the code through added context', () => {
    const { ctx, out } = capture();
    const err = withContext('fsck', new ChecksumMismatchError('object 12ab corrupt', { expected: 'a', actual: 'b' }));
    expect(reportError(err, ctx, false)).toBe(EXIT_STATUS.ChecksumMismatch);
    expect(out()).toBe('error: fsck: object 12ab corrupt\n');
  });

  it('says a verb is not implemented with its own status', () => {
    const { ctx, out } = capture();
    expect(reportError(new NotImplementedError("'tsostree install' is not implemented yet"), ctx, false)).toBe(11);
    expect(out()).toContain('not implemented yet');
  });

  it('prints a stack trace for a bug only with --debug', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    const quiet = capture();
    expect(reportError(bug, quiet.ctx, false)).toBe(EXIT_STATUS.Internal);
    expect(quiet.out()).not.toContain('    at ');
    expect(quiet.out()).toContain('--debug');
    const loud = capture();
    reportError(bug, loud.ctx, true);
    expect(loud.out()).toContain('    at ');
  });

  it('gives every error code a distinct exit status', () => {
    const statuses = ERROR_CODES.map(exitStatusFor);
    expect(new Set(statuses).size).toBe(ERROR_CODES.length);
    expect(statuses).not.toContain(0);
    expect(exitStatusFor('NoSuchCode')).toBe(EXIT_STATUS.Internal);
  });
});
