import { describe, expect, it } from 'vitest';
import { finalizeTreefile } from './treefile-merge.js';
import { parseIncludeCondition, parseTreefile, splitPackages, type TreefileFragment } from './treefile-parse.js';

const PRELUDE = `ref: "exampleos/\${basearch}/blah"
metadata:
  foo: bar
  deeper:
    answer: 42
repos:
 - baserepo
repovars:
  foobar: bazboo
exclude-packages:
 - mypkg
packages:
 - foo bar
 - baz
 - corge 'quuz >= 1.0'
packages-x86_64:
 - grub2 grub2-tools
packages-s390x:
 - zipl
repo-packages:
  - repo: baserepo
    packages:
      - blah bloo
`;

const yaml = (text: string, basearch = 'x86_64'): TreefileFragment => parseTreefile(text, { filename: 'tf.yaml', basearch });
const final = (text: string, basearch = 'x86_64') => finalizeTreefile(yaml(text, basearch), basearch, {});

function parseError(fn: () => unknown): { code: string; message: string; data: Record<string, unknown> } {
  try {
    fn();
  } catch (err) {
    return err as { code: string; message: string; data: Record<string, unknown> };
  }
  throw new Error('expected an error');
}

describe('parseTreefile', () => {
  it('reads rpm-ostree keys, splits packages and folds packages-<basearch>', () => {
    const tf = final(PRELUDE);
    expect(tf.ref).toBe('exampleos/x86_64/blah');
    expect(tf.packages).toEqual(['bar', 'baz', 'corge', 'foo', 'grub2', 'grub2-tools', 'quuz >= 1.0']);
    expect(tf['repo-packages']).toEqual([{ repo: 'baserepo', packages: ['blah', 'bloo'] }]);
    expect(tf.repovars).toEqual({ foobar: 'bazboo' });
    expect(tf['exclude-packages']).toEqual(['mypkg']);
    expect(tf.metadata).toEqual({ foo: 'bar', deeper: { answer: 42 } });
    // defaults
    expect(tf.recommends).toBe(true);
    expect(tf.documentation).toBe(true);
    expect(tf['machineid-compat']).toBe(true);
    expect(tf['boot-location']).toBe('new');
    expect(tf['check-passwd']).toEqual({ type: 'previous' });
    expect(tf['install-langs']).toBeUndefined();
    expect(final(PRELUDE, 's390x').packages).toEqual(['bar', 'baz', 'corge', 'foo', 'quuz >= 1.0', 'zipl']);
    expect(final(PRELUDE, 'aarch64').packages).toHaveLength(5);
  });

  it('reads every key listed in the issue', () => {
    const tf = final(`ref: os/\${releasever}/\${basearch}/\${stream}
releasever: 41
variables:
  stream: iot
  flag: true
  n: 3
packages: [a]
exclude-packages: [b]
recommends: false
documentation: false
install-langs: [en_US, fr]
add-files:
  - [motd, /etc/motd]
remove-files: [usr/share/doc/x]
remove-from-packages:
  - [filesystem, "/usr/share/backgrounds/.*"]
postprocess-script: post.sh
postprocess:
  - |
    #!/bin/sh
    true
units: [sshd.service]
default-target: multi-user.target
boot-location: modules
initramfs-args: [--no-hostonly]
tmp-is-dir: true
etc-group-members: [wheel]
check-passwd: { type: file, filename: passwd }
check-groups: { type: data, entries: { wheel: 10 } }
rpmdb: sqlite
automatic-version-prefix: "\${releasever}.<date:%Y%m%d>"
add-commit-metadata:
  fedora-coreos.stream: \${stream}
  count: 3
machineid-compat: false
`);
    expect(tf.ref).toBe('os/41/x86_64/iot');
    expect(tf.releasever).toBe(41);
    expect(tf.variables).toEqual({ stream: 'iot', flag: true, n: 3, basearch: 'x86_64', releasever: 41 });
    expect(tf.recommends).toBe(false);
    expect(tf.documentation).toBe(false);
    expect(tf['install-langs']).toEqual(['en_US', 'fr']);
    expect(tf['add-files']).toEqual([['motd', '/etc/motd']]);
    expect(tf['remove-from-packages']).toEqual([['filesystem', '/usr/share/backgrounds/.*']]);
    expect(tf['postprocess-script']).toBe('post.sh');
    expect(tf.postprocess).toEqual(['#!/bin/sh\ntrue\n']);
    expect(tf.units).toEqual(['sshd.service']);
    expect(tf['default-target']).toBe('multi-user.target');
    expect(tf['boot-location']).toBe('modules');
    expect(tf['initramfs-args']).toEqual(['--no-hostonly']);
    expect(tf['tmp-is-dir']).toBe(true);
    expect(tf['etc-group-members']).toEqual(['wheel']);
    expect(tf['check-passwd']).toEqual({ type: 'file', filename: 'passwd' });
    expect(tf['check-groups']).toEqual({ type: 'data', entries: { wheel: 10 } });
    expect(tf.rpmdb).toBe('sqlite');
    expect(tf['automatic-version-prefix']).toBe('41.<date:%Y%m%d>');
    expect(tf['add-commit-metadata']).toEqual({ 'fedora-coreos.stream': 'iot', count: 3 });
    expect(tf['machineid-compat']).toBe(false);
  });

  it('accepts the legacy underscore spellings, but not both forms', () => {
    expect(final('boot_location: modules\nautomatic_version_prefix: "1"\n')['boot-location']).toBe('modules');
    const err = parseError(() => yaml('boot-location: new\nboot_location: modules\n'));
    expect(err.code).toBe('Parse');
    expect(err.message).toMatch(/^tf\.yaml:2:1: cannot use both boot_location/);
  });

  it('names an unknown key with file:line:column', () => {
    const err = parseError(() => yaml('ref: a\npackages: [x]\n  \nfrobnicate: true\n'));
    expect(err.code).toBe('Parse');
    expect(err.message).toBe('tf.yaml:4:1: unknown treefile key "frobnicate"');
    expect(err.data).toMatchObject({ file: 'tf.yaml', line: 4, column: 1, key: 'frobnicate', offset: 24 });
  });

  it('names an unknown key in JSON too', () => {
    const err = parseError(() => parseTreefile('{\n  "ref": "a",\n  "bogus": 1\n}\n', { filename: 'tf.json', basearch: 'x86_64' }));
    expect(err.message).toBe('tf.json:3:3: unknown treefile key "bogus"');
    const tf = finalizeTreefile(
      parseTreefile('{"ref": "a/${basearch}", "packages": ["x y"], "packages-x86_64": ["z"]}', { filename: 't.json', basearch: 'x86_64' }),
      'x86_64',
      {},
    );
    expect(tf.ref).toBe('a/x86_64');
    expect(tf.packages).toEqual(['x', 'y', 'z']);
  });

  it.each([
    ['ref: 5\n', /1:6: invalid value for "ref": expected a string, got a number/],
    ['packages: foo\n', /invalid value for "packages": expected a list of strings/],
    ['packages: [a, [b]]\n', /1:15: invalid value for "packages"/],
    ['recommends: "yes"\n', /invalid value for "recommends": expected true or false, got a string/],
    ['documentation: 1\n', /expected true or false/],
    ['boot-location: both\n', /expected one of new, modules, kernel-install/],
    ['rpmdb: mysql\n', /invalid value for "rpmdb"/],
    ['check-passwd: {type: nope}\n', /check-passwd/],
    ['check-passwd: {type: file}\n', /check-passwd/],
    ['check-groups: {type: data, entries: {wheel: [1, 2]}}\n', /check-groups/],
    ['add-files: [[a]]\n', /source, destination/],
    ['add-files: [[a, /etc/../../x]]\n', /Unsupported path in add-files/],
    ['add-files: [[a, /var/x]]\n', /Unsupported path in add-files/],
    ['remove-from-packages: [[]]\n', /non-empty lists/],
    ['remove-from-packages: [[pkg, "(unclosed"]]\n', /invalid regex/],
    ['packages-x86_64: [1]\n', /Invalid field packages-x86_64: expected array of strings/],
    ['packages-s390x: notalist\n', /Invalid field packages-s390x/],
    ['variables: {a: 1.5}\n', /variable "a"/],
    ['variables: {a: -1}\n', /variable "a"/],
    ['variables: {releasever: "9"}\n', /cannot define reserved variable 'releasever'/],
    ['variables: [a]\n', /expected a mapping/],
    ['releasever: -3\n', /releasever/],
    ['releasever: [1]\n', /releasever/],
    ['selinux-label-version: 99999999999\n', /unsigned 32-bit/],
    ['include: [1]\n', /file name/],
    ['arch-include: [x]\n', /architecture/],
    [`conditional-include: [{if: 'basearch = "x"', include: a.yaml}]\n`, /expected one of ==/],
    ['conditional-include: [{if: "nonsense", include: a.yaml}]\n', /invalid condition/],
    ['conditional-include: [{if: "a == 1", include: a.yaml, extra: 1}]\n', /unknown "extra"/],
    ['conditional-include: [{if: "a == 1", include: {include: b.yaml}}]\n', /cannot itself include/],
    ['repo-packages: [{repo: r}]\n', /repo-packages/],
    ['repo-packages: [{repo: r, packages: [a], x: 1}]\n', /unknown key "x" in repo-packages/],
    ['packages: ["a \'b"]\n', /Missing terminating quote/],
    ['basearch: ppc64le\n', /cross-composes are not supported/],
    ['automatic-version-suffix: "ab"\n', /single ASCII character/],
    ['ref: "x/${nope}"\n', /1:1: unknown variable \$\{nope\}/],
    ['- a\n- b\n', /must be a mapping/],
    ['"just a string"\n', /must be a mapping/],
    ['', /empty treefile/],
    ['# only a comment\n', /empty treefile/],
    ['ref: a\nref: b\n', /2:1: Map keys must be unique/],
    ['ref: a\n---\nref: b\n', /multiple documents/],
    ['ref: !!js/function "x"\n', /Unresolved tag/],
    ['ref: [unclosed\n', /tf\.yaml:\d+:\d+: /],
    ['? [a, b]\n: c\n', /keys must be strings/],
    ['1: x\n', /keys must be strings/],
  ])('refuses %j with a located error', (text, message) => {
    const err = parseError(() => final(text));
    expect(['Parse', 'InvalidArgument']).toContain(err.code);
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(/^tf\.yaml:\d+:\d+: /);
  });

  it('stops an alias bomb (billion laughs) with a ParseError', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    lines.push('ref: *a11');
    const err = parseError(() => yaml(lines.join('\n')));
    expect(err.code).toBe('Parse');
    expect(err.message).toMatch(/alias|unknown treefile key "a0"/i);
    const bomb = `metadata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 11 }, (_, i) => `  a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`).join('\n')}\n`;
    const err2 = parseError(() => yaml(bomb));
    expect(err2.code).toBe('Parse');
    expect(err2.message).toMatch(/alias/i);
  });

  it('refuses huge input before parsing it', () => {
    const err = parseError(() => yaml(`ref: "${'a'.repeat(17 * 1024 * 1024)}"`));
    expect(err.code).toBe('Parse');
    expect(err.message).toMatch(/too large/);
  });

  it('survives deep nesting and odd scalars', () => {
    const deep = `metadata:\n  x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const r = (() => {
      try {
        return final(deep).metadata;
      } catch (err) {
        return err as Error;
      }
    })();
    // Either it parses (yaml is iterative) or it fails with a typed error, never a RangeError crash.
    if (r instanceof Error) expect((r as { code?: string }).code).toBe('Parse');
    else expect(r).toHaveProperty('x');
    expect(final('ref: "\\u0000x"\n').ref).toBe('\0x');
  });

  it('reports invalid JSON with its position', () => {
    const err = parseError(() => parseTreefile('{\n  "ref": "a",\n  oops\n}', { filename: 'tf.json', basearch: 'x86_64' }));
    expect(err.code).toBe('Parse');
    expect(err.message).toMatch(/^tf\.json:3:\d+: invalid JSON/);
    const dup = parseError(() => parseTreefile('{"ref": "a", "ref": "b"}', { filename: 'tf.json', basearch: 'x86_64' }));
    expect(dup.message).toMatch(/unique/);
  });

  it('applies the container and edition 2024 defaults per file', () => {
    const tf = final('container: true\nboot-location: new\n');
    expect(tf['boot-location']).toBe('modules');
    expect(tf.selinux).toBe(false);
    expect(tf['check-passwd']).toEqual({ type: 'none' });
    const e = final('edition: "2024"\n');
    expect(e['tmp-is-dir']).toBe(true);
    expect(e['boot-location']).toBe('modules');
  });

  it('treats an explicit null as unset', () => {
    expect(final('ref: a\nunits: null\nrecommends: ~\n')).toMatchObject({ units: [], recommends: true });
  });
});

describe('splitPackages / parseIncludeCondition', () => {
  it('splits on whitespace except inside single quotes', () => {
    expect(splitPackages(["corge 'quuz >= 1.0' x", "  'a b'  ", '', 'c\td'])).toEqual(['corge', 'quuz >= 1.0', 'x', 'a b', 'c', 'd']);
  });

  it('parses conditions', () => {
    expect(parseIncludeCondition('basearch == "x86_64"')).toEqual({ variable: 'basearch', op: '==', value: 'x86_64' });
    expect(parseIncludeCondition('  releasever>=40 ')).toEqual({ variable: 'releasever', op: '>=', value: 40 });
    expect(parseIncludeCondition('flag != false')).toEqual({ variable: 'flag', op: '!=', value: false });
    expect(() => parseIncludeCondition('x == 99999999999999999999')).toThrow(/too large/);
    expect(() => parseIncludeCondition('x ~ 1')).toThrow(/expected one of/);
  });
});
