import { isTsostreeError } from '@tsostree/errors';
import type { CliContext } from './context.js';
import { EXIT_STATUS, exitStatusFor } from './exit-status.js';

/**
 * The one place errors become output. A typed library error prints as one line
 * (`error: <message>`) and exits with its code's status; anything else is a bug in tsostree,
 * which prints a stack trace only with `--debug`.
 */
export function reportError(error: unknown, ctx: CliContext, debug: boolean): number {
  if (isTsostreeError(error) && error.code !== 'Internal') {
    ctx.stderr(`error: ${error.message}\n`);
    if (debug) ctx.stderr(`${describeChain(error)}\n`);
    return exitStatusFor(error.code);
  }
  const message = error instanceof Error ? error.message : String(error);
  ctx.stderr(`error: internal error: ${message}\n`);
  if (debug) {
    ctx.stderr(`${describeChain(error)}\n`);
  } else {
    ctx.stderr('This is a bug in tsostree; run again with --debug for a stack trace.\n');
  }
  return EXIT_STATUS.Internal;
}

function describeChain(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 16; depth++) {
    if (current instanceof Error) {
      lines.push(depth === 0 ? (current.stack ?? current.message) : `caused by: ${current.stack ?? current.message}`);
      current = current.cause;
    } else {
      lines.push(`caused by: ${String(current)}`);
      break;
    }
  }
  return lines.join('\n');
}
