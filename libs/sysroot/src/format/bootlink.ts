import { InvalidArgumentError, ParseError } from '@tsostree/errors';

/** The parsed value of an `ostree=` kernel argument: `/ostree/boot.<bv>/<stateroot>/<bootcsum>/<bootserial>`. */
export interface Bootlink {
  bootVersion: 0 | 1;
  stateroot: string;
  bootcsum: string;
  bootserial: number;
}

const BOOTLINK_RE = /^\/ostree\/boot\.([01])\/([^/]+)\/([^/]+)\/(0|[1-9][0-9]{0,8})$/;

/**
 * A stateroot ("osname") is one path component under `ostree/deploy/`. ostree itself accepts
 * almost anything; we refuse what could escape that directory or break the BLS/boot paths.
 */
export function isValidStateroot(name: string): boolean {
  return /^[A-Za-z0-9_.+-]{1,255}$/.test(name) && name !== '.' && name !== '..';
}

export function assertStateroot(name: string): void {
  if (!isValidStateroot(name)) {
    throw new InvalidArgumentError(`invalid stateroot name ${JSON.stringify(name.slice(0, 100))}`, { data: { stateroot: name.slice(0, 100) } });
  }
}

/** Parses the value of `ostree=` (ostree's `_ostree_sysroot_parse_bootlink`); ParseError for anything else. */
export function parseBootlink(value: string): Bootlink {
  const m = BOOTLINK_RE.exec(value);
  if (!m || !isValidStateroot(m[2]!) || !/^[0-9a-f]{64}$/.test(m[3]!)) {
    throw new ParseError(
      `Invalid ostree= argument ${JSON.stringify(value.slice(0, 200))}, expected ostree=/ostree/boot.BOOTVERSION/OSNAME/BOOTCSUM/TREESERIAL`,
      { offset: 0 },
    );
  }
  return { bootVersion: m[1] === '1' ? 1 : 0, stateroot: m[2]!, bootcsum: m[3]!, bootserial: Number(m[4]) };
}

export function formatBootlink(link: Bootlink): string {
  return `/ostree/boot.${link.bootVersion}/${link.stateroot}/${link.bootcsum}/${link.bootserial}`;
}

/**
 * The value of the first `ostree=` argument of a kernel command line or BLS `options` line
 * (ostree splits on single spaces; we also accept any whitespace, as /proc/cmdline ends with a newline).
 */
export function ostreeKernelArg(cmdline: string): string | undefined {
  for (const word of cmdline.split(/[ \t\n]+/)) {
    if (word.startsWith('ostree=')) return word.slice('ostree='.length);
  }
  return undefined;
}
