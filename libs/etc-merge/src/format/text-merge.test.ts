import { describe, expect, it } from 'vitest';
import { asText, mergeText } from './text-merge.js';

const b = (s: string) => new TextEncoder().encode(s);
const merged = (o: string, a: string, n: string) => {
  const r = mergeText(b(o), b(a), b(n));
  return r.clean ? new TextDecoder().decode(r.merged) : 'CONFLICT';
};

describe('mergeText', () => {
  it('takes changes from both sides when they touch different lines', () => {
    expect(merged('1\n2\n3\n4\n5\n', 'one\n2\n3\n4\n5\n', '1\n2\n3\n4\nfive\n')).toBe('one\n2\n3\n4\nfive\n');
  });
  it('takes an identical change once', () => {
    expect(merged('x\n', 'y\n', 'y\n')).toBe('y\n');
  });
  it('reports a conflict for different changes to the same line', () => {
    expect(merged('x\n', 'local\n', 'vendor\n')).toBe('CONFLICT');
  });
  it('keeps a missing final newline and CRLF line endings exactly', () => {
    expect(merged('a\r\nb\r\nc', 'A\r\nb\r\nc', 'a\r\nb\r\nC')).toBe('A\r\nb\r\nC');
  });
  it('handles empty files and pure additions', () => {
    expect(merged('', 'local\n', '')).toBe('local\n');
    expect(merged('a\n', 'a\nlocal\n', 'vendor\na\n')).toBe('vendor\na\nlocal\n');
  });
  it('never merges binary or invalid UTF-8 input', () => {
    expect(mergeText(b('a\0'), b('b\0'), b('c\0')).clean).toBe(false);
    expect(mergeText(new Uint8Array([0xff, 0xfe]), b('x'), b('y')).clean).toBe(false);
    expect(asText(new Uint8Array([0xc3, 0x28]))).toBeUndefined();
    expect(asText(b('héllo'))).toBe('héllo');
  });
});
