import { describe, expect, it } from 'vitest';
import { KeyFile } from './keyfile.js';

const SAMPLE = `# top comment

[core]
repo_version=1
# mode comment
mode = archive-z2

[remote "origin"]
url=http://example.com/repo
branches=main;other;
foo=\\sleading and\\ttab\\nnewline \\\\ back
list=a\\;b;c;
`;

describe('KeyFile', () => {
  it('round-trips comments, blank lines and key order byte for byte', () => {
    expect(KeyFile.parse(SAMPLE).toString()).toBe(SAMPLE);
  });

  it('reads values with escapes, lists, booleans and integers', () => {
    const kf = KeyFile.parse(SAMPLE);
    expect(kf.getGroups()).toEqual(['core', 'remote "origin"']);
    expect(kf.getString('core', 'mode')).toBe('archive-z2');
    expect(kf.getInteger('core', 'repo_version')).toBe(1);
    expect(kf.getStringList('remote "origin"', 'branches')).toEqual(['main', 'other']);
    expect(kf.getString('remote "origin"', 'foo')).toBe(' leading and\ttab\nnewline \\ back');
    expect(kf.getStringList('remote "origin"', 'list')).toEqual(['a;b', 'c']);
    expect(kf.getString('core', 'missing')).toBeUndefined();
    expect(() => kf.getBoolean('core', 'mode')).toThrow(expect.objectContaining({ code: 'Parse' }));
  });

  it('writes like GLib: blank line between groups, trailing ; on lists, escapes', () => {
    const kf = new KeyFile();
    kf.setString('core', 'repo_version', '1');
    kf.setString('core', 'mode', 'bare');
    kf.setString('remote "x"', 'url', 'file:///x');
    kf.setStringList('remote "x"', 'branches', ['a', 'b;c']);
    kf.setString('remote "x"', 'v', ' x\ny');
    kf.setBoolean('remote "x"', 'gpg-verify', false);
    expect(kf.toString()).toBe(
      '[core]\nrepo_version=1\nmode=bare\n\n[remote "x"]\nurl=file:///x\nbranches=a;b\\;c;\nv=\\sx\\ny\ngpg-verify=false\n',
    );
    const back = KeyFile.parse(kf.toString());
    expect(back.getStringList('remote "x"', 'branches')).toEqual(['a', 'b;c']);
    expect(back.getString('remote "x"', 'v')).toBe(' x\ny');
    kf.removeGroup('remote "x"');
    expect(kf.toString()).toBe('[core]\nrepo_version=1\nmode=bare\n');
  });

  it('inserts new keys before the blank separator line of a group', () => {
    const kf = KeyFile.parse('[a]\nx=1\n\n[b]\ny=2\n');
    kf.setString('a', 'z', '3');
    expect(kf.toString()).toBe('[a]\nx=1\nz=3\n\n[b]\ny=2\n');
  });

  it('merges duplicate groups and lets the last duplicate key win', () => {
    const kf = KeyFile.parse('[a]\nx=1\n[b]\n[a]\nx=2\n');
    expect(kf.getString('a', 'x')).toBe('2');
    expect(kf.getKeys('a')).toEqual(['x']);
  });

  it.each([
    ['key before group', 'x=1\n', 0],
    ['line without =', '[a]\nfoo\n', 4],
    ['unterminated group', '[a\n', 0],
    ['bad escape', '[a]\nx=\\q\n', 6],
    ['lone backslash', '[a]\nx=abc\\\n', 9],
    ['empty key', '[a]\n=1\n', 4],
    ['empty group name', '[]\n', 0],
  ])('rejects hostile input: %s', (_name, text, offset) => {
    expect(() => KeyFile.parse(text)).toThrow(expect.objectContaining({ code: 'Parse', data: expect.objectContaining({ offset }) }));
  });

  it('refuses keys and group names that would break the format', () => {
    const kf = new KeyFile();
    expect(() => kf.setString('a]', 'k', 'v')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => kf.setString('a', 'k=1', 'v')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => kf.setString('a', 'k\n', 'v')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});
