/** Should-fail corpus for rpm-md: every hostile repository fails with a specific error code, never a crash. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRepoMd } from './repomd-xml.js';
import { readFilelists, readOther, readPrimary, readRepoMd } from './repo-read.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

const PKG = (name: string, href = `Packages/${name}-1-1.noarch.rpm`, extra = ''): string => `
<package type="rpm">
  <name>${name}</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/>
  <checksum type="sha256" pkgid="YES">${sha256(Buffer.from(name))}</checksum>
  <summary>s</summary><description>d</description><packager/><url/>
  <time file="1" build="2"/><size package="3" installed="4" archive="5"/>
  <location href="${href}"/>
  <format><rpm:license>MIT</rpm:license>${extra}</format>
</package>`;

const PRIMARY = (body: string, count = 1): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${count}">${body}\n</metadata>\n`;

interface Entry {
  type: string;
  /** Decompressed content. */
  open: Buffer;
  /** Stored bytes (default: gzip of open). */
  stored?: Buffer;
  /** Override what repomd.xml says. */
  checksum?: string;
  openChecksum?: string;
  size?: number;
  openSize?: number;
  href?: string;
}

/** Writes a repository whose repomd.xml is consistent with its files unless an entry overrides a field. */
function writeRepo(entries: Entry[], repomdText?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rpmmd-hostile-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'repodata'));
  const blocks = entries.map((e) => {
    const stored = e.stored ?? gzipSync(e.open);
    const href = e.href ?? `repodata/${sha256(stored)}-${e.type}.xml.gz`;
    if (!href.includes('..')) writeFileSync(path.join(dir, href), stored);
    return `<data type="${e.type}">
  <checksum type="sha256">${e.checksum ?? sha256(stored)}</checksum>
  <open-checksum type="sha256">${e.openChecksum ?? sha256(e.open)}</open-checksum>
  <location href="${href}"/>
  <size>${e.size ?? stored.length}</size>
  <open-size>${e.openSize ?? e.open.length}</open-size>
</data>`;
  });
  writeFileSync(
    path.join(dir, 'repodata', 'repomd.xml'),
    repomdText ?? `<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo">\n${blocks.join('\n')}\n</repomd>\n`,
  );
  return dir;
}

async function drain(source: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const item of source) if (item) n++;
  return n;
}

const primary = (xml: string, extra: Partial<Entry> = {}): string => writeRepo([{ type: 'primary', open: Buffer.from(xml), ...extra }]);

describe('the consistent baseline parses', () => {
  it('reads a hand-written repository', async () => {
    expect(await drain(readPrimary(primary(PRIMARY(PKG('a') + PKG('b'), 2))))).toBe(2);
  });
});

describe('checksums and sizes from repomd.xml', () => {
  const xml = PRIMARY(PKG('a'));
  it('stored checksum mismatch → ChecksumMismatch, before any package is yielded', async () => {
    const dir = primary(xml, { checksum: 'ab'.repeat(32) });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const pkg of readPrimary(dir)) seen.push(pkg.name);
      })(),
    ).rejects.toMatchObject({ code: 'ChecksumMismatch', data: { expected: 'ab'.repeat(32) } });
    expect(seen).toEqual([]);
  });
  it('stored checksum mismatch without the verify pass → ChecksumMismatch at the end', async () => {
    const dir = primary(xml, { checksum: 'ab'.repeat(32) });
    await expect(drain(readPrimary(dir, { verifyBeforeParse: false }))).rejects.toMatchObject({ code: 'ChecksumMismatch' });
  });
  it('open checksum mismatch → ChecksumMismatch', async () => {
    await expect(drain(readPrimary(primary(xml, { openChecksum: 'cd'.repeat(32) })))).rejects.toMatchObject({
      code: 'ChecksumMismatch',
    });
  });
  it('wrong stored size → ChecksumMismatch', async () => {
    await expect(drain(readPrimary(primary(xml, { size: 10 })))).rejects.toMatchObject({ code: 'ChecksumMismatch' });
  });
  it('content longer than the announced open-size (decompression bomb) → Corrupt before it is all inflated', async () => {
    const bomb = Buffer.concat([Buffer.from(xml), Buffer.alloc(50 << 20, 0x20)]);
    await expect(drain(readPrimary(primary(xml, { open: bomb, openSize: 1000 })))).rejects.toMatchObject({ code: 'Corrupt' });
  });
  it('a corrupted byte in the stored file → ChecksumMismatch', async () => {
    const stored = gzipSync(Buffer.from(xml));
    const checksum = sha256(stored);
    stored[stored.length - 12] ^= 0xff;
    await expect(drain(readPrimary(primary(xml, { stored, checksum })))).rejects.toMatchObject({ code: 'ChecksumMismatch' });
  });
});

describe('compressed streams', () => {
  const xml = PRIMARY(PKG('a') + PKG('b'), 2);
  for (const [suffix, tool] of [
    ['gz', ['gzip', '-c']],
    ['xz', ['xz', '-c']],
    ['zst', ['zstd', '-q', '-c']],
    ['bz2', ['bzip2', '-c']],
  ] as const) {
    it(`truncated ${suffix} stream with a matching repomd checksum → Corrupt`, async () => {
      const full = execFileSync(tool[0], tool.slice(1), { input: Buffer.from(xml) });
      const cut = full.subarray(0, Math.floor(full.length / 2));
      const dir = primary(xml, { stored: cut, href: `repodata/x-primary.xml.${suffix}` });
      await expect(drain(readPrimary(dir))).rejects.toMatchObject({ code: 'Corrupt' });
    });
  }
  it('zchunk metadata → Unsupported', async () => {
    const dir = primary(xml, { href: 'repodata/x-primary.xml.zck' });
    await expect(drain(readPrimary(dir))).rejects.toMatchObject({ code: 'Unsupported' });
  });
});

describe('malformed and hostile XML → Parse with a position', () => {
  const cases: [string, string][] = [
    ['unclosed element', PRIMARY(PKG('a')).replace('</metadata>', '')],
    ['mismatched tag', PRIMARY(PKG('a')).replace('</name>', '</nome>')],
    ['garbage after the root', `${PRIMARY(PKG('a'))}<more/>`],
    [
      'billion laughs (entity expansion)',
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>${PRIMARY(PKG('&lol3;')).replace(/^<\?xml[^>]*>/u, '')}`,
    ],
    ['external entity (XXE)', `<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><metadata><package><name>&x;</name></package></metadata>`],
    ['undefined entity', PRIMARY(PKG('a&undefined;b'))],
    ['huge attribute value', PRIMARY(PKG('a', `Packages/${'A'.repeat(17 * 1024 * 1024)}.rpm`))],
    ['huge text node', PRIMARY(PKG('a').replace('<summary>s</summary>', `<summary>${'s'.repeat(17 * 1024 * 1024)}</summary>`))],
    ['".." in a package location', PRIMARY(PKG('a', '../../../etc/passwd'))],
    ['".." in the middle of a location', PRIMARY(PKG('a', 'Packages/../../x.rpm'))],
    ['absolute location', PRIMARY(PKG('a', '/etc/passwd'))],
    ['URL location', PRIMARY(PKG('a', 'file:///etc/passwd'))],
    ['missing name', PRIMARY(PKG('a').replace('<name>a</name>', ''))],
    ['non-numeric epoch', PRIMARY(PKG('a').replace('epoch="0"', 'epoch="x"'))],
    ['unknown checksum type', PRIMARY(PKG('a').replace('type="sha256" pkgid', 'type="crc32" pkgid'))],
    ['bad dependency flags', PRIMARY(PKG('a', undefined, '<rpm:requires><rpm:entry name="b" flags="XX"/></rpm:requires>'))],
    ['wrong root element', PRIMARY(PKG('a')).replace(/metadata/gu, 'filelists')],
    ['nesting too deep', PRIMARY(PKG('a', undefined, `${'<x>'.repeat(100)}${'</x>'.repeat(100)}`))],
    ['empty document', ''],
  ];
  for (const [name, xml] of cases) {
    it(name, async () => {
      const error = await drain(readPrimary(primary(xml))).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'Parse' });
      expect(typeof (error as { data: { offset?: number } }).data.offset).toBe('number');
    });
  }
  it('invalid UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from(PRIMARY(PKG('a')).slice(0, 200)), Buffer.from([0xc3, 0x28]), Buffer.from(PRIMARY(PKG('a')).slice(200))]);
    await expect(drain(readPrimary(primary('', { open: bytes })))).rejects.toMatchObject({ code: 'Parse' });
  });
  it('more dependencies than maxItemsPerPackage', async () => {
    const deps = `<rpm:provides>${'<rpm:entry name="p"/>'.repeat(200)}</rpm:provides>`;
    await expect(drain(readPrimary(primary(PRIMARY(PKG('a', undefined, deps))), { maxItemsPerPackage: 100 }))).rejects.toMatchObject({
      code: 'Parse',
    });
  });
  it('package count differs from packages="N" → Corrupt', async () => {
    await expect(drain(readPrimary(primary(PRIMARY(PKG('a'), 2))))).rejects.toMatchObject({ code: 'Corrupt' });
  });
  it('filelists and other refuse hostile input too', async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa">]><filelists packages="1"><package pkgid="x" name="a" arch="noarch"><version epoch="0" ver="1" rel="1"/><file>&a;</file></package></filelists>`;
    await expect(drain(readFilelists(writeRepo([{ type: 'filelists', open: Buffer.from(bomb) }])))).rejects.toMatchObject({ code: 'Parse' });
    const noPkgid = `<otherdata packages="1"><package name="a" arch="noarch"><version epoch="0" ver="1" rel="1"/></package></otherdata>`;
    await expect(drain(readOther(writeRepo([{ type: 'other', open: Buffer.from(noPkgid) }])))).rejects.toMatchObject({ code: 'Parse' });
  });
});

describe('repomd.xml', () => {
  it('a missing repository → NotFound', async () => {
    await expect(readRepoMd(path.join(tmpdir(), 'no-such-repo-rpmmd'))).rejects.toMatchObject({ code: 'NotFound' });
  });
  it('a repository without primary → NotFound', async () => {
    const dir = writeRepo([{ type: 'other', open: Buffer.from('<otherdata packages="0"/>') }]);
    await expect(drain(readPrimary(dir))).rejects.toMatchObject({ code: 'NotFound' });
  });
  it('".." in a data location → Parse, and nothing outside the repository is read', async () => {
    const dir = writeRepo([{ type: 'primary', open: Buffer.from(PRIMARY(PKG('a'))), href: '../../../etc/passwd' }]);
    await expect(readRepoMd(dir)).rejects.toMatchObject({ code: 'Parse' });
  });
  it('DOCTYPE → Parse', () => {
    expect(() => parseRepoMd(Buffer.from('<!DOCTYPE r [<!ENTITY a "b">]><repomd>&a;</repomd>'))).toThrow(
      expect.objectContaining({ code: 'Parse' }),
    );
  });
  it('duplicate data types, missing checksum, malformed checksum → Parse', () => {
    const data = `<data type="primary"><checksum type="sha256">${'a'.repeat(64)}</checksum><location href="repodata/p.xml.gz"/></data>`;
    expect(() => parseRepoMd(Buffer.from(`<repomd>${data}${data}</repomd>`))).toThrow(expect.objectContaining({ code: 'Parse' }));
    expect(() => parseRepoMd(Buffer.from('<repomd><data type="primary"><location href="a"/></data></repomd>'))).toThrow(
      expect.objectContaining({ code: 'Parse' }),
    );
    expect(() =>
      parseRepoMd(Buffer.from('<repomd><data type="primary"><checksum type="sha256">xyz</checksum><location href="a"/></data></repomd>')),
    ).toThrow(expect.objectContaining({ code: 'Parse' }));
  });
  it('an oversized repomd.xml → Corrupt', async () => {
    const dir = writeRepo([], `<repomd>${' '.repeat(2000)}</repomd>`);
    await expect(readRepoMd(dir, { maxRepomdBytes: 1000 })).rejects.toMatchObject({ code: 'Corrupt' });
  });
});
