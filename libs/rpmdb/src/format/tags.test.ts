// The tag table against rpm's own: every name and number rpm's Python binding (python3-rpm) knows.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TAG, tagName, tagNumber } from './tags.js';

describe('tag table', () => {
  it('has every tag rpm has, with the same number and canonical name', () => {
    const script = [
      'import rpm, json',
      "names = {k[7:]: getattr(rpm, k) for k in dir(rpm) if k.startswith('RPMTAG_') and getattr(rpm, k) >= 0}",
      'print(json.dumps({"names": names, "canonical": {str(n): s for n, s in rpm.tagnames.items()}}))',
    ].join('\n');
    const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' })) as {
      names: Record<string, number>;
      canonical: Record<string, string>;
    };
    expect(Object.keys(out.names).length).toBeGreaterThan(200);
    for (const [name, n] of Object.entries(out.names)) {
      if (name.length > 1) expect((TAG as Record<string, number>)[name], name).toBe(n);
    }
    for (const [n, name] of Object.entries(out.canonical)) expect(tagName(Number(n)), n).toBe(name);
    expect(tagNumber('rpmtag_name')).toBe(1000);
  });

  it('every name rpm --querytags prints resolves', () => {
    const names = execFileSync('rpm', ['--querytags'], { encoding: 'utf8' }).trim().split('\n');
    const missing = names.filter((n) => tagNumber(n) === undefined);
    expect(missing).toEqual([]);
  });
});
