// rpm-md through libsolv's own parser: well-formed metadata, gzip, and hostile input.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressMetadata, libsolvBackend } from './libsolv-backend.js';
import { Pool } from './pool.js';

const primary = (packages: string) => `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="2">
${packages}
</metadata>
`;
const pkgid = (name: string) => createHash('sha256').update(name).digest('hex');
const pkgXml = (name: string, ver: string, arch: string, format = '') => `<package type="rpm">
  <name>${name}</name><arch>${arch}</arch><version epoch="0" ver="${ver}" rel="1"/>
  <checksum type="sha256" pkgid="YES">${pkgid(name)}</checksum><summary>s</summary><description>d</description>
  <packager/><url/><time file="1" build="1"/><size package="1" installed="1" archive="1"/>
  <location href="${name}-${ver}-1.${arch}.rpm"/>
  <format><rpm:license>MIT</rpm:license>${format}</format>
</package>`;

const PRIMARY = primary(
  pkgXml('hello', '1.0', 'x86_64', '<rpm:requires><rpm:entry name="/usr/share/greet/data"/><rpm:entry name="libgreet" flags="GE" epoch="0" ver="2"/></rpm:requires>') +
    pkgXml('libgreet', '2.0', 'x86_64', '<rpm:provides><rpm:entry name="libgreet" flags="EQ" epoch="0" ver="2.0" rel="1"/></rpm:provides>'),
);
const FILELISTS = `<?xml version="1.0" encoding="UTF-8"?>
<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="2">
<package pkgid="${pkgid('libgreet')}" name="libgreet" arch="x86_64"><version epoch="0" ver="2.0" rel="1"/><file>/usr/share/greet/data</file></package>
</filelists>
`;
const enc = (s: string) => new TextEncoder().encode(s);

describe('rpm-md loading', () => {
  it('loads primary + filelists (gzip) and resolves file requirements', async () => {
    const result = await libsolvBackend.resolve({
      repos: [{ name: 'r', metadata: { type: 'rpm-md', primary: gzipSync(enc(PRIMARY)), filelists: enc(FILELISTS) } }],
      jobs: [{ op: 'install', spec: 'hello' }],
    });
    expect(result.ok ? [] : result.problems).toEqual([]);
    expect(result.ok && result.steps.map((s) => s.package.nevra).sort()).toEqual(['hello-1.0-1.x86_64', 'libgreet-2.0-1.x86_64']);
  });

  it('reads dependencies as written', async () => {
    const pool = await Pool.create();
    try {
      const repo = pool.createRepo('r');
      repo.addRpmmd(enc(PRIMARY));
      const [hello] = pool.selectionSolvables(pool.select('hello'));
      expect(pool.solvableDeps(hello as number, 'requires')).toEqual(['/usr/share/greet/data', 'libgreet >= 2']);
    } finally {
      pool.dispose();
    }
  });

  const hostile: [string, Uint8Array][] = [
    ['truncated XML', enc(PRIMARY.slice(0, PRIMARY.length / 2))],
    ['not XML at all', enc('\u0000\u0001garbage<<<')],
    ['unbalanced tags', enc('<metadata><package><name>x</package></metadata>')],
    ['truncated gzip', gzipSync(enc(PRIMARY)).subarray(0, 40)],
  ];
  for (const [what, bytes] of hostile) {
    it(`rejects ${what} with a typed error`, async () => {
      await expect(
        libsolvBackend.resolve({ repos: [{ name: 'r', metadata: { type: 'rpm-md', primary: bytes } }], jobs: [{ op: 'update' }] }),
      ).rejects.toMatchObject({ code: expect.stringMatching(/^(Parse|Corrupt)$/) });
    });
  }

  it('refuses xz metadata it cannot decompress', () => {
    expect(() => decompressMetadata(new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]), 'primary')).toThrowError(
      expect.objectContaining({ code: 'Unsupported' }),
    );
  });
});
