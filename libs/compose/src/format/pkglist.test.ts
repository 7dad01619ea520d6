import { execFileSync } from 'node:child_process';
import { ParseError } from '@tsostree/errors';
import { serializeGVariant } from '@tsostree/objstore';
import { describe, expect, it } from 'vitest';
import {
  diffPackageLists,
  formatDiffBlock,
  formatDiffJson,
  formatDiffLines,
  formatPackageList,
  jsonGlibPretty,
  pkglistFromRows,
  pkglistRows,
  sortPackages,
  type PackageEntry,
} from './pkglist.js';

const p = (name: string, evr: string, arch = 'x86_64'): PackageEntry => {
  const m = /^(?:(\d+):)?([^-]+)-(.+)$/.exec(evr)!;
  return { name, epoch: m[1] ? Number(m[1]) : 0, version: m[2]!, release: m[3]!, arch };
};

const FROM = [p('bind-libs', '32:9.11.13-3.fc31'), p('soundtouch', '2.1.1-6.fc34'), p('gone', '1.0-1', 'noarch'), p('vim-minimal', '2:9.0.1262-1.fc37'), p('kernel', '6.1.9-200.fc37')];
const TO = [p('bind-libs', '32:9.11.14-2.fc31'), p('soundtouch', '2.1.2-1.fc34'), p('new-pkg', '0.1-1'), p('vim-minimal', '2:9.0.1221-1.fc37'), p('kernel', '6.1.10-200.fc37')];
const A = { desc: 'aaa', checksum: 'aaa' };
const B = { desc: 'v2', checksum: 'bbbb' };

function python(script: string, input: string): string {
  return execFileSync('/usr/bin/python3', ['-c', script], { input, encoding: 'utf8' });
}

describe('package lists', () => {
  it('sorts like libdnf: name, then rpm version order, then arch', () => {
    const sorted = sortPackages([p('a', '1.10-1'), p('a', '1.9-1'), p('a', '1.0~rc1-1'), p('a', '1:0.1-1'), p('a', '1.9-1', 'i686'), p('B', '1-1')]);
    expect(sorted.map((x) => `${x.name} ${x.epoch}:${x.version}-${x.release}.${x.arch}`)).toEqual([
      'B 0:1-1.x86_64',
      'a 0:1.0~rc1-1.x86_64',
      'a 0:1.9-1.i686',
      'a 0:1.9-1.x86_64',
      'a 0:1.10-1.x86_64',
      'a 1:0.1-1.x86_64',
    ]);
  });

  it('classifies upgrades, downgrades, removals and additions', () => {
    const d = diffPackageLists(FROM, TO);
    expect(d.upgraded.map(([o, n]) => `${o.name} ${o.version} ${n.version}`)).toEqual(['bind-libs 9.11.13 9.11.14', 'kernel 6.1.9 6.1.10', 'soundtouch 2.1.1 2.1.2']);
    expect(d.downgraded.map(([o]) => o.name)).toEqual(['vim-minimal']);
    expect(d.removed.map((x) => x.name)).toEqual(['gone']);
    expect(d.added.map((x) => x.name)).toEqual(['new-pkg']);
    expect(diffPackageLists(FROM, FROM)).toEqual({ upgraded: [], downgraded: [], removed: [], added: [] });
  });

  it('prints the block format of rpm-ostree db diff', () => {
    expect(formatDiffBlock(diffPackageLists(FROM, TO), A, B)).toBe(
      [
        'ostree diff commit from: aaa',
        'ostree diff commit to:   v2 (bbbb)',
        'Upgraded:',
        '  bind-libs 32:9.11.13-3.fc31 -> 32:9.11.14-2.fc31',
        '  kernel 6.1.9-200.fc37 -> 6.1.10-200.fc37',
        '  soundtouch 2.1.1-6.fc34 -> 2.1.2-1.fc34',
        'Downgraded:',
        '  vim-minimal 2:9.0.1262-1.fc37 -> 2:9.0.1221-1.fc37',
        'Removed:',
        '  gone-1.0-1.noarch',
        'Added:',
        '  new-pkg-0.1-1.x86_64',
        '',
      ].join('\n'),
    );
    expect(formatDiffBlock(diffPackageLists(FROM, FROM), A, A)).toBe('ostree diff commit from: aaa\nostree diff commit to:   aaa\n');
  });

  it('prints the diff format in package order', () => {
    expect(formatDiffLines(diffPackageLists(FROM, TO), A, B).split('\n').slice(2)).toEqual([
      '!bind-libs-32:9.11.13-3.fc31.x86_64',
      '=bind-libs-32:9.11.14-2.fc31.x86_64',
      '-gone-1.0-1.noarch',
      '!kernel-6.1.9-200.fc37.x86_64',
      '=kernel-6.1.10-200.fc37.x86_64',
      '+new-pkg-0.1-1.x86_64',
      '!soundtouch-2.1.1-6.fc34.x86_64',
      '=soundtouch-2.1.2-1.fc34.x86_64',
      '!vim-minimal-2:9.0.1262-1.fc37.x86_64',
      '=vim-minimal-2:9.0.1221-1.fc37.x86_64',
      '',
    ]);
  });

  it('prints db list', () => {
    expect(formatPackageList([p('b', '1-1'), p('a', '1:2-3', 'noarch')], 'fedora/x86_64', 'cafe')).toBe(
      'ostree commit: fedora/x86_64 (cafe)\n a-1:2-3.noarch\n b-1-1.x86_64\n',
    );
  });

  it('prints --format=json exactly like rpm-ostree (json-glib over the a(sua{sv}) diff variant)', () => {
    const diff = diffPackageLists(FROM, TO);
    const ours = formatDiffJson(diff, 'aaa', 'bbbb');
    const glib = python(
      [
        'import sys, json, gi',
        "gi.require_version('Json', '1.0')",
        'from gi.repository import Json, GLib',
        'd = json.load(sys.stdin)',
        "rows = [(n, t, {k: GLib.Variant('(sss)', tuple(v)) for k, v in det.items()}) for n, t, det in d['pkgdiff']]",
        "v = GLib.Variant('a{sv}', {})",
        "b = GLib.VariantBuilder.new(GLib.VariantType.new('a{sv}'))",
        "b.add_value(GLib.Variant('{sv}', ('ostree-commit-from', GLib.Variant('s', d['from']))))",
        "b.add_value(GLib.Variant('{sv}', ('ostree-commit-to', GLib.Variant('s', d['to']))))",
        "b.add_value(GLib.Variant('{sv}', ('pkgdiff', GLib.Variant('a(sua{sv})', rows))))",
        "b.add_value(GLib.Variant('{sv}', ('advisories', GLib.Variant('a(suuasa{sv})', []))))",
        'g = Json.Generator(); g.set_pretty(True); g.set_root(Json.gvariant_serialize(b.end()))',
        'sys.stdout.write(g.to_data()[0])',
      ].join('\n'),
      JSON.stringify({ from: 'aaa', to: 'bbbb', pkgdiff: JSON.parse(ours).pkgdiff }),
    );
    expect(ours).toBe(glib);
    expect(JSON.parse(ours).pkgdiff.map((r: [string, number]) => `${r[1]}:${r[0]}`)).toEqual(['0:new-pkg', '1:gone', '2:bind-libs', '2:kernel', '2:soundtouch', '3:vim-minimal']);
    expect(jsonGlibPretty({ a: [], b: {}, c: [1, 'x'] })).toBe('{\n  "a" : [],\n  "b" : {},\n  "c" : [\n    1,\n    "x"\n  ]\n}');
  });

  it('writes rpmostree.rpmdb.pkglist byte-identical to GLib a(sssss)', () => {
    const rows = pkglistRows([p('zlib', '1.2.13-3.fc37'), p('openssl-libs', '1:3.0.9-2.fc37'), p('bash', '5.2.15-1.fc37')]);
    expect(rows[0]).toEqual(['bash', '0', '5.2.15', '1.fc37', 'x86_64']);
    const ours = Buffer.from(serializeGVariant('a(sssss)', rows)).toString('hex');
    const glib = python(
      "import sys, json\nfrom gi.repository import GLib\nrows = [tuple(r) for r in json.load(sys.stdin)]\nsys.stdout.write(bytes(GLib.Variant('a(sssss)', rows).get_data_as_bytes().get_data()).hex())",
      JSON.stringify(rows),
    );
    expect(ours).toBe(glib);
    expect(pkglistFromRows(rows)).toEqual(sortPackages(pkglistFromRows(rows)));
  });

  it('refuses malformed pkglist rows with a ParseError', () => {
    for (const bad of [
      'nope',
      [['a', '0', '1', '1']],
      [['a', 'x', '1', '1', 'noarch']],
      [['', '0', '1', '1', 'noarch']],
      [['a', '0', '1', '1', 5]],
      [['a', '99999999999', '1', '1', 'noarch']],
    ]) {
      expect(() => pkglistFromRows(bad)).toThrow(ParseError);
    }
  });
});
