/** Small validated conversions shared by the rpm-md parsers. */
import type { ParseError } from '@tsostree/errors';
import type { RpmMdChecksumType, RpmMdDepFlags, RpmMdLocation } from './types.js';

export type Fail = (message: string) => ParseError;

const CHECKSUM_TYPES: Record<string, RpmMdChecksumType> = {
  md5: 'md5',
  sha: 'sha1',
  sha1: 'sha1',
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
};

const HEX_LENGTH: Record<RpmMdChecksumType, number> = {
  md5: 32,
  sha1: 40,
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
};

export function checksumType(value: string | undefined, fail: Fail): RpmMdChecksumType {
  const type = value === undefined ? undefined : CHECKSUM_TYPES[value.toLowerCase()];
  if (type === undefined) throw fail(`unknown checksum type ${JSON.stringify(value ?? '')}`);
  return type;
}

export function checksumValue(type: RpmMdChecksumType, text: string, fail: Fail): string {
  const value = text.trim().toLowerCase();
  if (value.length !== HEX_LENGTH[type] || !/^[0-9a-f]+$/u.test(value)) {
    throw fail(`malformed ${type} checksum ${JSON.stringify(value.slice(0, 200))}`);
  }
  return value;
}

const DEP_FLAGS = new Set<string>(['EQ', 'LT', 'LE', 'GT', 'GE']);

export function depFlags(value: string | undefined, fail: Fail): RpmMdDepFlags | undefined {
  if (value === undefined || value === '') return undefined;
  if (!DEP_FLAGS.has(value)) throw fail(`unknown dependency flags ${JSON.stringify(value.slice(0, 200))}`);
  return value as RpmMdDepFlags;
}

/** A non-negative decimal integer (epochs, sizes, times); absent or empty gives `fallback`. */
export function integer(value: string | undefined, what: string, fail: Fail, fallback = 0): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,16}$/u.test(value)) throw fail(`${what} is not a non-negative integer: ${JSON.stringify(value.slice(0, 200))}`);
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw fail(`${what} is too large: ${value}`);
  return number;
}

/**
 * Checks a `location href`: it must stay inside the repository. Refuses absolute paths, `..` segments, URL schemes,
 * backslashes, control characters and empty paths.
 */
export function safeHref(href: string | undefined, fail: Fail): string {
  if (href === undefined || href === '') throw fail('location without href');
  if (href.startsWith('/')) throw fail(`location href is absolute: ${JSON.stringify(href.slice(0, 200))}`);
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/u.test(href)) throw fail(`location href has a URL scheme: ${JSON.stringify(href.slice(0, 200))}`);
  if (/[\\\u0000-\u001f\u007f]/u.test(href)) throw fail(`location href has a backslash or control character: ${JSON.stringify(href.slice(0, 200))}`);
  for (const segment of href.split('/')) {
    if (segment === '..') throw fail(`location href escapes the repository: ${JSON.stringify(href.slice(0, 200))}`);
  }
  return href;
}

export function location(attributes: Record<string, string>, fail: Fail): RpmMdLocation {
  const href = safeHref(attributes.href, fail);
  const base = attributes['xml:base'];
  return base === undefined ? { href } : { href, base };
}
