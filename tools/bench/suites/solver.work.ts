// Work functions for solver.bench.ts: a generated Fedora-size rpm-md repository, and our libsolv-wasm backend
// loading and solving on it.
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { Pool } from '@tsostree/solver/libsolv';
import { libsolvBackend } from '@tsostree/solver/libsolv';
import type { SolveRequest } from '@tsostree/solver';

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const name = (i: number): string => `pkg${String(i).padStart(5, '0')}`;
const isLib = (i: number): boolean => i % 4 === 0;
const hasBinary = (i: number): boolean => i % 7 === 3;

/**
 * Writes available.xml (`count` packages, version 2.0), installed.xml (the `installed` lowest-numbered
 * packages, version 1.0, a dependency-closed set) and install-names.txt (`install` leaf-ish package names).
 * Dependencies point to lower-numbered packages with a power-law bias (a few hubs everybody needs, like glibc):
 * on average ~6 requires per package, mixing sonames, versioned names and /usr/bin files; some recommends.
 */
export async function generateSolverRepo(dir: string, count: number, installed: number, install: number): Promise<{ bytes: number; requires: number }> {
  let requiresTotal = 0;
  let bytes = 0;
  const write = async (file: string, n: number, version: string) => {
    const rand = rng(42);
    const out = createWriteStream(file);
    const put = async (s: string) => {
      bytes += s.length;
      if (!out.write(s)) await once(out, 'drain');
    };
    await put(`<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${n}">\n`);
    for (let i = 0; i < n; i++) {
      const nm = name(i);
      const provides = [`<rpm:entry name="${nm}" flags="EQ" epoch="0" ver="${version}" rel="1"/>`];
      if (isLib(i)) provides.push(`<rpm:entry name="lib${nm}.so.1()(64bit)"/>`);
      const ndeps = i === 0 ? 0 : Math.min(i, Math.floor(rand() * rand() * 16));
      const seen = new Set<number>();
      const requires: string[] = [];
      for (let k = 0; k < ndeps; k++) {
        const t = Math.floor(i * rand() ** 3);
        if (seen.has(t)) continue;
        seen.add(t);
        if (isLib(t)) requires.push(`<rpm:entry name="lib${name(t)}.so.1()(64bit)"/>`);
        else if (hasBinary(t)) requires.push(`<rpm:entry name="/usr/bin/${name(t)}"/>`);
        else requires.push(`<rpm:entry name="${name(t)}" flags="GE" epoch="0" ver="1.0"/>`);
      }
      requiresTotal += requires.length;
      const recommends = i > 10 && rand() < 0.1 ? `<rpm:recommends><rpm:entry name="${name(Math.floor(i * rand()))}"/></rpm:recommends>` : '';
      const files = hasBinary(i) ? `<file>/usr/bin/${nm}</file>` : '';
      await put(
        `<package type="rpm"><name>${nm}</name><arch>${i % 3 ? 'x86_64' : 'noarch'}</arch><version epoch="0" ver="${version}" rel="1"/>` +
          `<checksum type="sha256" pkgid="YES">${(i * 2654435761 + (version === '1.0' ? 7 : 0)).toString(16).padStart(64, '0')}</checksum>` +
          `<summary>Generated package ${nm}</summary><description>Generated for the solver benchmark.</description>` +
          `<packager>bench</packager><url>https://example.org/${nm}</url><time file="1700000000" build="1700000000"/>` +
          `<size package="10000" installed="40000" archive="40500"/><location href="Packages/${nm}-${version}-1.rpm"/>` +
          `<format><rpm:license>MIT</rpm:license><rpm:vendor>bench</rpm:vendor><rpm:group>Unspecified</rpm:group>` +
          `<rpm:buildhost>bench</rpm:buildhost><rpm:sourcerpm>${nm}-${version}-1.src.rpm</rpm:sourcerpm>` +
          `<rpm:header-range start="4504" end="9000"/><rpm:provides>${provides.join('')}</rpm:provides>` +
          (requires.length ? `<rpm:requires>${requires.join('')}</rpm:requires>` : '') +
          `${recommends}${files}</format></package>\n`,
      );
    }
    await put('</metadata>\n');
    out.end();
    await once(out, 'finish');
  };
  await write(join(dir, 'available.xml'), count, '2.0');
  await write(join(dir, 'installed.xml'), installed, '1.0');
  const pick = rng(7);
  const names = new Set<string>();
  while (names.size < install) names.add(name(Math.floor(count / 2 + pick() * (count / 2))));
  writeFileSync(join(dir, 'install-names.txt'), `${[...names].join('\n')}\n`);
  return { bytes, requires: requiresTotal };
}

function request(dir: string, jobs: SolveRequest['jobs']): SolveRequest {
  return {
    installed: { name: '@System', metadata: { type: 'rpm-md', primary: readFileSync(join(dir, 'installed.xml')) } },
    repos: [{ name: 'available', metadata: { type: 'rpm-md', primary: readFileSync(join(dir, 'available.xml')) } }],
    jobs,
    policy: { weakDeps: true, best: true },
  };
}

/** Loads installed + available rpm-md into a pool and prepares it (no solve). Units: packages. */
export async function loadRepos(dir: string): Promise<{ units: number }> {
  const pool = await Pool.create();
  try {
    const installed = pool.createRepo('@System');
    installed.addRpmmd(readFileSync(join(dir, 'installed.xml')));
    pool.setInstalled(installed);
    await pool.createRepo('available').addRpmmdAsync(readFileSync(join(dir, 'available.xml')));
    pool.prepare();
    return { units: pool.solvableCount - 2 };
  } finally {
    pool.dispose();
  }
}

/** Load + install the packages listed in install-names.txt. Units: transaction steps. */
export async function solveInstall(dir: string): Promise<{ units: number }> {
  const names = readFileSync(join(dir, 'install-names.txt'), 'utf8').split('\n').filter(Boolean);
  const result = await libsolvBackend.resolve(request(dir, names.map((spec) => ({ op: 'install' as const, spec }))));
  if (!result.ok) throw new Error(`install failed: ${result.problems[0]?.message}`);
  return { units: result.steps.length };
}

/** Load + update everything installed. Units: transaction steps. */
export async function solveUpdateAll(dir: string): Promise<{ units: number }> {
  const result = await libsolvBackend.resolve(request(dir, [{ op: 'update' }]));
  if (!result.ok) throw new Error(`update failed: ${result.problems[0]?.message}`);
  return { units: result.steps.length };
}
