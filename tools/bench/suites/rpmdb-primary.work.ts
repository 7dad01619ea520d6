// Work functions for rpmdb-primary.bench.ts: generate a Fedora-size rpm-md repository, and parse it with our reader.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { parsePrimaryStream, readPrimary } from '@tsostree/rpmdb';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A deterministic pseudo-random generator, so every run parses the same bytes. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function packageXml(i: number, rand: () => number): string {
  const name = `pkg${i}-${['lib', 'devel', 'tools', 'data', 'python3'][i % 5]}`;
  const version = `${1 + (i % 17)}.${i % 31}.${Math.floor(rand() * 100)}`;
  const release = `${1 + (i % 9)}.fc40`;
  const arch = i % 4 === 0 ? 'noarch' : 'x86_64';
  const entry = (n: string, withVersion: boolean): string =>
    withVersion
      ? `      <rpm:entry name="${esc(n)}" flags="EQ" epoch="0" ver="${version}" rel="${release}"/>\n`
      : `      <rpm:entry name="${esc(n)}"/>\n`;
  let provides = entry(name, true) + entry(`${name}(x86-64)`, true);
  const nProvides = Math.floor(rand() * 10);
  for (let k = 0; k < nProvides; k++) provides += entry(`lib${name}-${k}.so.${k}()(64bit)`, false);
  let requires = '';
  const nRequires = 3 + Math.floor(rand() * 14);
  for (let k = 0; k < nRequires; k++) {
    const dep = Math.floor(rand() * 70000);
    requires +=
      k % 3 === 0
        ? `      <rpm:entry name="pkg${dep}-lib" flags="GE" epoch="0" ver="1.0"/>\n`
        : `      <rpm:entry name="libpkg${dep}-lib-0.so.0()(64bit)"/>\n`;
  }
  if (i % 10 === 0) requires += '      <rpm:entry name="(python3 if python3-libs)"/>\n      <rpm:entry name="/bin/sh" pre="1"/>\n';
  let files = '';
  const nFiles = Math.floor(rand() * 4);
  for (let k = 0; k < nFiles; k++) files += `    <file>/usr/bin/${name}-tool${k}</file>\n`;
  if (i % 7 === 0) files += `    <file type="dir">/etc/${name}</file>\n    <file>/etc/${name}/${name}.conf</file>\n`;
  const sha = createHash('sha256').update(String(i)).digest('hex');
  return `<package type="rpm">
  <name>${name}</name>
  <arch>${arch}</arch>
  <version epoch="${i % 50 === 0 ? 1 : 0}" ver="${version}" rel="${release}"/>
  <checksum type="sha256" pkgid="YES">${sha}</checksum>
  <summary>The ${name} package &amp; friends</summary>
  <description>${esc(`This is ${name}, a generated package for benchmarking. `.repeat(2 + (i % 5)))}</description>
  <packager>Fedora Project</packager>
  <url>https://example.org/${name}</url>
  <time file="1700000000" build="1699990000"/>
  <size package="${10000 + i}" installed="${40000 + i}" archive="${41000 + i}"/>
  <location href="Packages/${name[0]}/${name}-${version}-${release}.${arch}.rpm"/>
  <format>
    <rpm:license>MIT AND (GPL-2.0-or-later OR LGPL-2.1-or-later)</rpm:license>
    <rpm:vendor>Fedora Project</rpm:vendor>
    <rpm:group>Unspecified</rpm:group>
    <rpm:buildhost>buildhw-x86-${i % 20}.example.org</rpm:buildhost>
    <rpm:sourcerpm>${name}-${version}-${release}.src.rpm</rpm:sourcerpm>
    <rpm:header-range start="4504" end="${20000 + i}"/>
    <rpm:provides>
${provides}    </rpm:provides>
    <rpm:requires>
${requires}    </rpm:requires>
${files}  </format>
</package>
`;
}

/**
 * Writes `dir/repodata/{primary.xml, primary.xml.gz, primary.xml.zst}` for `count` packages, and repomd.xml
 * files for a gz and a zst repository (`dir/gz`, `dir/zst`). Returns the sizes.
 */
export async function generatePrimaryRepo(dir: string, count: number): Promise<{ openBytes: number; gzBytes: number; zstBytes: number }> {
  mkdirSync(join(dir, 'plain'), { recursive: true });
  const plain = join(dir, 'plain', 'primary.xml');
  const out = createWriteStream(plain);
  const gz = createGzip({ level: 6 });
  const gzPath = join(dir, 'primary.xml.gz');
  const gzOut = gz.pipe(createWriteStream(gzPath));
  const write = async (text: string): Promise<void> => {
    // Listen for both drains before awaiting either: one may fire while we wait for the other.
    const drained = (stream: NodeJS.WritableStream, ok: boolean): Promise<void> =>
      ok ? Promise.resolve() : new Promise<void>((r) => stream.once('drain', () => r()));
    await Promise.all([drained(out, out.write(text)), drained(gz, gz.write(text))]);
  };
  await write(
    `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${count}">\n`,
  );
  const rand = rng(42);
  let batch = '';
  for (let i = 0; i < count; i++) {
    batch += packageXml(i, rand);
    if (batch.length > 1 << 20) {
      await write(batch);
      batch = '';
    }
  }
  await write(`${batch}</metadata>\n`);
  out.end();
  gz.end();
  await Promise.all([finished(out), finished(gzOut)]);
  const zstPath = join(dir, 'primary.xml.zst');
  execFileSync('zstd', ['-q', '-f', '-3', plain, '-o', zstPath]);
  const openSha = sha256File(plain);
  const openSize = statSync(plain).size;
  const sizes: Record<string, number> = {};
  for (const [kind, file] of [
    ['gz', gzPath],
    ['zst', zstPath],
  ] as const) {
    const sha = sha256File(file);
    const href = `repodata/${sha}-primary.xml.${kind}`;
    mkdirSync(join(dir, kind, 'repodata'), { recursive: true });
    sizes[kind] = statSync(file).size;
    renameSync(file, join(dir, kind, href));
    writeFileSync(
      join(dir, kind, 'repodata', 'repomd.xml'),
      `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1700000000</revision>
  <data type="primary">
    <checksum type="sha256">${sha}</checksum>
    <open-checksum type="sha256">${openSha}</open-checksum>
    <location href="${href}"/>
    <timestamp>1700000000</timestamp>
    <size>${statSync(join(dir, kind, href)).size}</size>
    <open-size>${openSize}</open-size>
  </data>
</repomd>
`,
    );
  }
  return { openBytes: openSize, gzBytes: sizes.gz ?? 0, zstBytes: sizes.zst ?? 0 };
}

function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  const buffer = Buffer.alloc(1 << 20);
  for (let n; (n = readSync(fd, buffer)) > 0; ) hash.update(buffer.subarray(0, n));
  closeSync(fd);
  return hash.digest('hex');
}

/** Reads every package of a repository's primary.xml (verified against repomd.xml); units = packages. */
export async function readPrimaryRepo(dir: string): Promise<{ units: number }> {
  let units = 0;
  let deps = 0;
  for await (const pkg of readPrimary(dir)) {
    units++;
    deps += pkg.requires.length + pkg.provides.length;
  }
  if (deps === 0) throw new Error('no dependencies parsed');
  return { units };
}

/** Parses a plain primary.xml file (no repomd, no decompression); units = packages. */
export async function parsePrimaryFile(file: string): Promise<{ units: number }> {
  let units = 0;
  for await (const pkg of parsePrimaryStream(createReadStream(file, { highWaterMark: 256 * 1024 }))) if (pkg.name) units++;
  return { units };
}
