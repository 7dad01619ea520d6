// Work functions for the RPM file benchmarks, run in a fresh process by the harness, plus the
// fixture generator (real rpmbuild) the suites share.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  extractPackage,
  packageDependencies,
  packageFiles,
  packageNevra,
  readPackageHeaders,
  readPayloadFiles,
} from '@tsostree/rpmdb';

/** Parses lead + headers of every package and reads NEVRA, files and requires; units = packages. */
export async function parseHeaders(paths: string[]): Promise<{ units: number; files: number }> {
  let files = 0;
  for (const p of paths) {
    const { header } = await readPackageHeaders(p);
    packageNevra(header);
    files += packageFiles(header).length;
    packageDependencies(header, 'requires');
  }
  return { units: paths.length, files };
}

/** Extracts one package into a fresh root; units = MB of file content written. */
export async function extract(rpm: string, root: string): Promise<{ units: number }> {
  mkdirSync(root, { recursive: true });
  const { bytes } = await extractPackage(rpm, root);
  return { units: bytes / 1e6 };
}

/** Streams the payload with every digest checked, writing nothing; units = MB. */
export async function streamPayload(rpm: string): Promise<{ units: number }> {
  let n = 0;
  for await (const f of readPayloadFiles(rpm)) for await (const c of f.data) n += c.length;
  return { units: n / 1e6 };
}

function rpmbuild(spec: string, top: string, defines: Record<string, string>): string {
  const args = ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', '_build_id_links none'];
  for (const [k, v] of Object.entries(defines)) args.push('--define', `${k} ${v}`);
  execFileSync('rpmbuild', [...args, spec], { stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = join(top, 'RPMS', 'noarch');
  return join(dir, readdirSync(dir)[0]!);
}

/** A package with `files` files and many dependencies (a big header), copied `copies` times. */
export function makeHeaderCorpus(workDir: string, files: number, copies: number): string[] {
  const top = join(workDir, 'hdr-build');
  const spec = join(workDir, 'many.spec');
  const requires = Array.from({ length: 200 }, (_, i) => `Requires: dep-${i} >= ${i}.0`).join('\n');
  const provides = Array.from({ length: 200 }, (_, i) => `Provides: cap-${i} = ${i}.1`).join('\n');
  writeFileSync(
    spec,
    `Name: bench-many\nVersion: 1\nRelease: 1\nSummary: many files\nLicense: MIT\nBuildArch: noarch\n${requires}\n${provides}\n` +
      `%description\nmany\n%install\nmkdir -p %{buildroot}/usr/share/many\n` +
      `for i in $(seq 1 ${files}); do echo $i > %{buildroot}/usr/share/many/file-$i.txt; done\n%files\n/usr/share/many\n`,
  );
  const rpm = rpmbuild(spec, top, { _binary_payload: 'w1.gzdio' });
  const out = join(workDir, 'corpus');
  mkdirSync(out, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < copies; i++) {
    const p = join(out, `pkg-${i}.rpm`);
    copyFileSync(rpm, p);
    paths.push(p);
  }
  return paths;
}

/** A payload-heavy package (random and text files, `mb` MB in total) for one compressor. */
export function makePayloadPackage(workDir: string, mb: number, payload: string): string {
  const data = join(workDir, 'payload-data');
  if (!existsSync(data)) {
    mkdirSync(join(data, 'bin'), { recursive: true });
    mkdirSync(join(data, 'txt'), { recursive: true });
    const each = 4; // MB per file
    for (let i = 0; i < mb / each / 2; i++) {
      execFileSync('sh', ['-c', `head -c ${each}M /dev/urandom > ${data}/bin/r${i}; seq ${i * 600000} ${(i + 1) * 600000 - 1} | head -c ${each}M > ${data}/txt/t${i}`]);
    }
    for (let i = 0; i < 2000; i++) writeFileSync(join(data, 'txt', `small-${i}`), `small file ${i}\n`.repeat(20));
  }
  const top = join(workDir, `build-${payload.replace(/\W/g, '')}`);
  const spec = join(workDir, 'payload.spec');
  writeFileSync(
    spec,
    `Name: bench-payload\nVersion: 1\nRelease: 1\nSummary: payload\nLicense: MIT\nBuildArch: noarch\n%description\nbig\n` +
      `%install\nmkdir -p %{buildroot}/usr/share\ncp -a ${data} %{buildroot}/usr/share/bench\n%files\n/usr/share/bench\n`,
  );
  return rpmbuild(spec, top, { _binary_payload: payload });
}

/** A package holding one `mb`-MB file of zeros (gzip level 1): shows memory stays flat for any file size. */
export function makeBigFilePackage(workDir: string, mb: number): string {
  const top = join(workDir, 'build-bigfile');
  const spec = join(workDir, 'bigfile.spec');
  writeFileSync(
    spec,
    `Name: bench-bigfile\nVersion: 1\nRelease: 1\nSummary: big\nLicense: MIT\nBuildArch: noarch\n%description\nbig\n` +
      `%install\nmkdir -p %{buildroot}/usr/share\nhead -c ${mb}M /dev/zero > %{buildroot}/usr/share/big.img\n%files\n/usr/share/big.img\n`,
  );
  return rpmbuild(spec, top, { _binary_payload: 'w1.gzdio' });
}
