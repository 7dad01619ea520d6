// Differential tests: every field we read from the fixture packages equals what the real
// `rpm -qp --qf` prints for the same package.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allRpmFixtures } from '../test/rpm-fixtures.js';
import { rpmQuery, rpmQueryOpt } from '../test/rpm-query.js';
import type { Header, HeaderEntry } from './format/header.js';
import {
  DEPENDENCY_KINDS,
  formatDependency,
  formatNevra,
  packageDependencies,
  packageFiles,
  packageNevra,
  packageScriptlets,
  packageSummary,
  packageTriggers,
  packageFileTriggers,
  payloadInfo,
  fileDigestAlgo,
  hardlinkGroups,
  type Scriptlet,
  type Trigger,
} from './format/package-info.js';
import { parsePackageHeaders } from './format/package.js';
import { signatureInfo } from './format/signature-info.js';
import { TAG, TagType, tagName } from './format/tags.js';
import { readPackageHeaders } from './package-read.js';

const fixtures = allRpmFixtures();
const SEP = '\u001e';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** How rpm's --qf renders one entry, from our parsed value. */
function render(e: HeaderEntry, h: Header): { qf: string; ours: string } | undefined {
  const name = tagName(e.tag);
  // rpm's query renders FILECLASS through CLASSDICT (the index is an implementation detail).
  if (e.tag === TAG.FILECLASS) {
    return { qf: `[%{FILECLASS}${SEP}]`, ours: packageFiles(h).map((f) => f.fileClass + SEP).join('') };
  }
  if (!name || e.tag < 100) return undefined;
  const v = e.value;
  switch (v.type) {
    case TagType.STRING:
      return { qf: `%{${name}}`, ours: v.value };
    case TagType.I18NSTRING:
      return { qf: `%{${name}}`, ours: v.values[0]! };
    case TagType.BIN:
      return { qf: `%{${name}}`, ours: hex(v.bytes) };
    case TagType.STRING_ARRAY:
      return { qf: `[%{${name}}${SEP}]`, ours: v.values.map((x) => x + SEP).join('') };
    case TagType.INT64:
      return { qf: `[%{${name}}${SEP}]`, ours: v.values.map((x) => x.toString() + SEP).join('') };
    case TagType.NULL:
      return undefined;
    default:
      return { qf: `[%{${name}}${SEP}]`, ours: v.values.map((x) => String(x) + SEP).join('') };
  }
}

function scriptletText(s: Scriptlet): string {
  const label: Record<string, string> = {
    pretrans: 'pretrans',
    prein: 'preinstall',
    postin: 'postinstall',
    preun: 'preuninstall',
    postun: 'postuninstall',
    posttrans: 'posttrans',
    verify: 'verify',
  };
  if (s.body === '') return `${label[s.kind]} program: ${s.interpreter.join(' ')}\n`;
  return `${label[s.kind]} scriptlet (using ${s.interpreter.join(' ')}):\n${s.body}\n`;
}

function triggerText(t: Trigger): string {
  return `${t.kind} scriptlet (using ${t.interpreter}) -- ${t.conditions.map(formatDependency).join(', ')}\n${t.body}\n`;
}

describe.each([...fixtures])('%s', (name, path) => {
  const bytes = new Uint8Array(readFileSync(path));
  const pkg = parsePackageHeaders(bytes);
  const h: Header = pkg.header;

  it('reads the same headers from disk as from memory', async () => {
    const fromDisk = await readPackageHeaders(path);
    expect(fromDisk.payloadOffset).toBe(pkg.payloadOffset);
    expect([...fromDisk.header.entries.keys()]).toEqual([...h.entries.keys()]);
  });

  it('every tag of the main header equals rpm --qf', () => {
    const rendered = [...h.entries.values()].map((e) => render(e, h)).filter((r) => r !== undefined);
    expect(rendered.length).toBeGreaterThan(20);
    const qf = rendered.map((r) => r.qf).join('\u001d');
    const theirs = rpmQuery(path, qf).split('\u001d');
    expect(theirs).toEqual(rendered.map((r) => r.ours));
  });

  it('signature header sizes and digests equal rpm --qf', () => {
    const info = signatureInfo(pkg.signature);
    const qf = ['%{SIGSIZE}', '%{ARCHIVESIZE}', '%{SIGMD5}', '%{SHA1HEADER}', '%{SHA256HEADER}'].join('\u001d');
    expect(rpmQuery(path, qf).split('\u001d')).toEqual([
      String(info.size), String(info.payloadSize), info.md5, info.sha1, info.sha256,
    ]);
    expect(info.size).toBe(bytes.length - pkg.headerOffset);
    expect(info.signatures).toEqual([]);
  });

  it('NEVRA, summary fields and payload info equal rpm --qf', () => {
    const s = packageSummary(h);
    const p = payloadInfo(h);
    const qf = [
      '%{NAME}', '%|EPOCH?{%{EPOCH}}:{}|', '%{VERSION}', '%{RELEASE}', '%{ARCH}', '%{NEVRA}', '%{SUMMARY}', '%{DESCRIPTION}',
      '%{LICENSE}', '%{GROUP}', '%|URL?{%{URL}}:{}|', '%|VENDOR?{%{VENDOR}}:{}|', '%|PACKAGER?{%{PACKAGER}}:{}|', '%{BUILDHOST}', '%{BUILDTIME}',
      '%{SOURCERPM}', '%{LONGSIZE}', '%{PAYLOADFORMAT}', '%{PAYLOADCOMPRESSOR}', '%{PAYLOADFLAGS}', '%{PAYLOADDIGEST}',
      '%{PAYLOADDIGESTALGO}', '%|FILEDIGESTALGO?{%{FILEDIGESTALGO}}:{1}|',
    ].join('\u001d');
    const algoNumber: Record<string, number> = { md5: 1, sha1: 2, sha256: 8, sha384: 9, sha512: 10, sha224: 11 };
    expect(rpmQuery(path, qf).split('\u001d')).toEqual([
      s.name, s.epoch === undefined ? '' : String(s.epoch), s.version, s.release, s.arch, formatNevra(s), s.summary, s.description,
      s.license, s.group, s.url, s.vendor, s.packager, s.buildHost, String(s.buildTime),
      s.sourceRpm, String(s.size), p.format, p.compressor || '(none)', p.flags, p.digest, String(algoNumber[p.digestAlgo]),
      String(h.entries.has(5011) ? algoNumber[fileDigestAlgo(h)] : 1),
    ]);
    expect(packageNevra(h).name).toBe(s.name);
  });

  it.each(DEPENDENCY_KINDS.filter((k) => k !== 'order'))('%s equal rpm --%s', (kind) => {
    const ours = packageDependencies(h, kind).map((d) => formatDependency(d) + '\n').join('');
    const option = kind === 'requires' ? '--requires' : `--${kind}`;
    expect(rpmQueryOpt(path, [option])).toBe(ours);
  });

  it('scriptlets and triggers equal rpm --scripts / --triggers / --filetriggers', () => {
    expect(rpmQueryOpt(path, ['--scripts'])).toBe(packageScriptlets(h).map(scriptletText).join(''));
    expect(rpmQueryOpt(path, ['--triggers'])).toBe(packageTriggers(h).map(triggerText).join(''));
    const fileTriggers = packageFileTriggers(h)
      .map((t) => `${t.kind} scriptlet (using ${t.interpreter}) -- ${t.paths.join(', ')}\n${t.body}\n`)
      .join('');
    expect(rpmQueryOpt(path, ['--filetriggers'])).toBe(fileTriggers);
  });

  it('the file list equals rpm --qf over FILENAMES and the per-file tags', () => {
    const files = packageFiles(h);
    const qf =
      '[%{FILENAMES}\t%{FILESIZES}\t%{FILEMODES}\t%{FILEUSERNAME}\t%{FILEGROUPNAME}\t%{FILEMTIMES}\t%{FILEDIGESTS}\t' +
      '%{FILELINKTOS}\t%{FILEFLAGS}\t%{FILEDEVICES}\t%{FILEINODES}\t%{FILERDEVS}\t%{FILECAPS}\t%{FILELANGS}\t' +
      '%{FILEVERIFYFLAGS}\t%{FILECOLORS}\t%{FILENLINKS}\t%{FILEFLAGS:fflags}\n]';
    const out = files.length === 0 ? '' : rpmQuery(path, qf);
    const nlinks = new Map<number, number>();
    for (const g of hardlinkGroups(files)) for (const i of g) nlinks.set(i, g.length);
    const fflags = (f: (typeof files)[number]) =>
      (f.doc ? 'd' : '') + (f.config ? 'c' : '') + (f.flags & 256 ? 'r' : '') + (f.missingok ? 'm' : '') + (f.noreplace ? 'n' : '') +
      (f.flags & 32 ? 's' : '') + (f.ghost ? 'g' : '') + (f.license ? 'l' : '') + (f.flags & 4096 ? 'a' : '');
    const ours = files
      .map((f, i) =>
        [f.path, f.size, f.mode, f.user, f.group, f.mtime, f.digest, f.linkTo, f.flags, f.device, f.inode, f.rdev, h.entries.has(TAG.FILECAPS) ? f.caps : '(none)', f.lang,
          f.verifyFlags, f.color, (f.mode & 0o170000) === 0o040000 ? 1 : (nlinks.get(i) ?? 1), fflags(f)].join('\t') + '\n',
      )
      .join('');
    expect(out).toBe(ours);
  });
});

describe('the full fixture', () => {
  const h = parsePackageHeaders(new Uint8Array(readFileSync(fixtures.get('full-x86_64')!))).header;
  it('has what the spec declares', () => {
    const files = new Map(packageFiles(h).map((f) => [f.path, f]));
    expect(packageNevra(h)).toEqual({ name: 'tsos-full', epoch: 3, version: '1.2.3~rc1', release: '4.fc40', arch: 'x86_64' });
    expect(files.get('/etc/tsos/replace.conf')).toMatchObject({ config: true, noreplace: true });
    expect(files.get('/etc/tsos/main.conf')).toMatchObject({ config: true, noreplace: false });
    expect(files.get('/var/lib/tsos/state.db')?.ghost).toBe(true);
    expect(files.get('/usr/share/doc/tsos-full/README')?.doc).toBe(true);
    expect(files.get('/usr/share/licenses/tsos-full/LICENSE')?.license).toBe(true);
    expect(files.get('/usr/bin/tsos-ping')?.caps).toBe('cap_net_raw=ep');
    expect(files.get('/usr/bin/tsos-suid')?.mode).toBe(0o104755);
    expect(files.get('/usr/bin/tsos-link')?.linkTo).toBe('tsos-hello');
    expect(hardlinkGroups(packageFiles(h)).map((g) => g.length)).toEqual([3]);
    expect(packageDependencies(h, 'requires').filter((d) => d.rich).map((d) => d.name)).toEqual([
      '(tsos-a or tsos-b)',
      '(tsos-c >= 1.0 with tsos-c < 2.0)',
    ]);
    expect(packageScriptlets(h).filter((s) => s.lua).map((s) => s.kind)).toEqual(['pretrans', 'postin']);
    expect(packageTriggers(h).map((t) => t.kind)).toEqual(['triggerin', 'triggerun', 'triggerpostun', 'triggerprein']);
    expect(packageFileTriggers(h).map((t) => [t.kind, t.priority, t.paths])).toEqual([
      ['filetriggerin', 1_000_000, ['/usr/lib/tsos-plugins']],
      ['filetriggerun', 2000, ['/usr/lib/a', '/usr/lib/b']],
      ['transfiletriggerpostun', 1_000_000, ['/usr/share/tsos']],
      ['transfiletriggerin', 1_000_000, ['/usr/share/x']],
    ]);
  });
});
