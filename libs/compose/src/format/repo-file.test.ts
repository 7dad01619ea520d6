import { describe, expect, it } from 'vitest';
import { parseRepoFile, substituteRepoVars } from './repo-file.js';

describe('parseRepoFile', () => {
  it('reads dnf .repo files: lists, continuation lines, booleans, defaults, variables', () => {
    const repos = parseRepoFile(
      `# comment
[fedora]
name=Fedora $releasever - $basearch
baseurl=http://mirror.example/fedora/\${releasever}/$basearch
        https://other.example/f/$releasever/$basearch/
enabled = yes
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-fedora-$releasever-$basearch,
  file:///etc/pki/rpm-gpg/second
priority=10
cost=500
excludepkgs=kernel*  foo
exclude=bar

; another
[updates]
baseurl=file:///srv/updates
enabled=0
skip_if_unavailable=True
`,
      '/cfg/x.repo',
      { releasever: '41', basearch: 'x86_64' },
    );
    expect(repos).toHaveLength(2);
    expect(repos[0]).toMatchObject({
      id: 'fedora',
      name: 'Fedora 41 - x86_64',
      baseurls: ['http://mirror.example/fedora/41/x86_64/', 'https://other.example/f/41/x86_64/'],
      enabled: true,
      gpgcheck: true,
      gpgkeys: ['file:///etc/pki/rpm-gpg/RPM-GPG-KEY-fedora-41-x86_64', 'file:///etc/pki/rpm-gpg/second'],
      priority: 10,
      cost: 500,
      excludepkgs: ['bar', 'kernel*', 'foo'],
      source: '/cfg/x.repo:2',
    });
    expect(repos[1]).toMatchObject({ id: 'updates', name: 'updates', baseurls: ['file:///srv/updates/'], enabled: false, gpgcheck: false, priority: 99, cost: 1000, skipIfUnavailable: true });
  });

  it.each([
    ['baseurl=file:///x\n', /expected \[repo-id\] or key=value/],
    ['[a b]\nbaseurl=file:///x\n', /invalid repo id/],
    ['[a]\nbaseurl=file:///x\n[a]\nbaseurl=file:///y\n', /repo a defined twice/],
    ['[a]\nbaseurl=ftp://x/\n', /unsupported baseurl/],
    ['[a]\nbaseurl=/srv/repo\n', /unsupported baseurl/],
    ['[a]\nmetalink=https://mirrors/metalink\n', /metalink\/mirrorlist without baseurl/],
    ['[a]\nbaseurl=file:///x\ngpgcheck=maybe\n', /x\.repo:1: invalid boolean for gpgcheck/],
    ['[a]\nbaseurl=file:///x\npriority=1e9\n', /invalid number for priority/],
    ['[a]\nbaseurl=file:///x\ngpgkey=/etc/key\n', /unsupported gpgkey URL/],
    ['[a]\ngarbage line\n', /x\.repo:2: expected/],
  ])('refuses %j', (text, message) => {
    expect(() => parseRepoFile(text, 'x.repo')).toThrow(message);
  });

  it('refuses huge files', () => {
    expect(() => parseRepoFile(`[a]\nname=${'x'.repeat(5 * 1024 * 1024)}\n`, 'x.repo')).toThrow(/too large/);
  });

  it('substitutes $var and ${var}, leaving unknown ones', () => {
    expect(substituteRepoVars('$a/${b}/$c/${d}', { a: '1', b: '2' })).toBe('1/2/$c/${d}');
  });
});
