// Parsing a large primary.xml on worker threads (Repo.addRpmmdAsync) must give exactly what one sequential parse
// gives: the same packages in the same order with the same data, and the same solver answers; a part that
// fails must give addRpmmd's error, with every worker gone and nothing left on the heap.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InternalError, ParseError } from '@tsostree/errors';
import { SOLVER_INSTALL, SOLVER_SOLVABLE_NAME } from './constants.js';
import { compileLibsolv, loadLibsolv } from './libsolv-module.js';
import { Pool, type DepKind, type Repo } from './pool.js';
import { splitPrimary } from './rpmmd-split.js';
import { FIRST_PART_WEIGHT, startWorkers } from './rpmmd-workers.js';

const enc = (s: string) => new TextEncoder().encode(s);
const KINDS: DepKind[] = ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'];

/** A primary.xml of `count` packages with every kind of dependency, rich deps, files, epochs, several arches. */
function primaryXml(count: number, middle = '', middleAt = Math.floor(count / 2)): string {
  const pkgs: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `p${i}`;
    const arch = ['x86_64', 'noarch', 'i686'][i % 3]!;
    // Lower-numbered packages only: a dependency graph without cycles.
    const dep = (j: number) => `p${Math.floor((i * ((j * 37) % 97)) / 97)}`;
    const files = `<file>/usr/bin/${name}</file>${i % 3 ? '' : `<file type="dir">/etc/${name}</file>`}<file>/usr/lib/${name}/data</file>`;
    pkgs.push(
      `<package type="rpm"><name>${name}</name><arch>${arch}</arch><version epoch="${i % 5 === 0 ? 1 : 0}" ver="${1 + (i % 9)}.${i}" rel="${i % 4}.fc40"/>` +
        `<checksum type="sha256" pkgid="YES">${createHash('sha256').update(name).digest('hex')}</checksum>` +
        `<summary>package ${name} &amp; &lt;friends&gt;</summary><description>line one\n  <![CDATA[raw]]> ü</description>` +
        `<packager>me</packager><url>https://example.org/${name}</url><time file="${1700000000 + i}" build="${1600000000 + i}"/>` +
        `<size package="${i}" installed="${2 * i}" archive="${3 * i}"/><location href="Packages/${name}.rpm"/>` +
        `<format><rpm:license>MIT</rpm:license><rpm:vendor>v${i % 2}</rpm:vendor><rpm:group>g</rpm:group><rpm:buildhost>h</rpm:buildhost>` +
        `<rpm:sourcerpm>${name}-1.src.rpm</rpm:sourcerpm><rpm:header-range start="1" end="2"/>` +
        `<rpm:provides><rpm:entry name="${name}" flags="EQ" epoch="0" ver="1" rel="1"/><rpm:entry name="lib${name}.so.1()(64bit)"/></rpm:provides>` +
        `<rpm:requires><rpm:entry name="${dep(1)}" flags="GE" epoch="0" ver="1"/><rpm:entry name="/usr/bin/${dep(3)}" pre="1"/><rpm:entry name="/usr/lib/${dep(13)}/data"/>` +
        `<rpm:entry name="(${dep(2)} if ${dep(4)} else ${dep(5)})"/></rpm:requires>` +
        `<rpm:conflicts><rpm:entry name="${dep(6)}" flags="LT" epoch="0" ver="0.5"/></rpm:conflicts>` +
        `<rpm:obsoletes><rpm:entry name="old-${name}"/></rpm:obsoletes>` +
        `<rpm:recommends><rpm:entry name="${dep(8)}"/></rpm:recommends><rpm:suggests><rpm:entry name="${dep(9)}"/></rpm:suggests>` +
        `<rpm:supplements><rpm:entry name="(${dep(10)} and ${dep(11)})"/></rpm:supplements><rpm:enhances><rpm:entry name="${dep(12)}"/></rpm:enhances>` +
        `${files}</format></package>`,
    );
    if (i === middleAt) pkgs.push(middle);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${count}">\n${pkgs.join('\n')}\n</metadata>\n`;
}

const STRING_KEYS = ['summary', 'description', 'url', 'license', 'group', 'buildhost', 'packager', 'mediafile', 'mediadir', 'sourcename'];
const NUMBER_KEYS = ['buildtime', 'installsize', 'downloadsize', 'headerend'];

/** Everything we can see of a repo's packages, in order. */
function describeRepo(pool: Pool, repo: Repo): unknown[] {
  pool.prepare();
  const key = (name: string) => pool.str2id(`solvable:${name}`, false);
  return repo.solvableIds().map((id) => {
    const info = pool.solvable(id);
    const files = [`/usr/bin/${info.name}`, `/usr/lib/${info.name}/data`].filter((f) => pool.whatProvides(pool.dep(f)).includes(id));
    const strings = STRING_KEYS.map((k) => pool.lib.string(pool.lib.call('pool_lookup_str', pool.ptr, id, key(k))));
    const numbers = NUMBER_KEYS.map((k) => pool.lib.call('pool_lookup_num', pool.ptr, id, key(k), -1));
    return { id, nevra: info.nevra, deps: KINDS.map((k) => pool.solvableDeps(id, k)), files, strings, numbers };
  });
}

async function load(xml: Uint8Array, workers?: number): Promise<{ pool: Pool; repo: Repo }> {
  const pool = await Pool.create();
  const installed = pool.createRepo('@System');
  installed.addPackage({ name: 'legacy', evr: '0-1', arch: 'noarch', requires: ['p5'] });
  pool.setInstalled(installed);
  const repo = pool.createRepo('available');
  if (workers === undefined) repo.addRpmmd(xml, 'primary.xml');
  else await repo.addRpmmdAsync(xml, 'primary.xml', { workers });
  return { pool, repo };
}

describe('splitting primary.xml', () => {
  it('cuts at <package> start tags only, head and tail around each part', () => {
    const xml = enc(primaryXml(40));
    const parts = splitPrimary(xml, 3)!;
    expect(parts.bodies).toHaveLength(3);
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    for (const body of parts.bodies) expect(text(body)).toMatch(/^<package type="rpm">/);
    expect(text(parts.head)).toMatch(/<metadata [^<]*>\n$/);
    expect(text(parts.tail).trim()).toBe('</metadata>');
    const whole = text(xml);
    expect(text(parts.head) + parts.bodies.map(text).join('')).toBe(whole.slice(0, whole.lastIndexOf('</metadata>')));
    const weighted = splitPrimary(xml, 2, 2)!.bodies;
    expect(weighted[0]!.length / weighted[1]!.length).toBeCloseTo(2, 0);
  });

  it('leaves documents of another shape whole', () => {
    expect(splitPrimary(enc(primaryXml(40)), 1)).toBeUndefined();
    expect(splitPrimary(enc(primaryXml(1)), 2)).toBeUndefined(); // one package
    expect(splitPrimary(enc(primaryXml(40).replace('</metadata>\n', '</metadata>\n<junk/>')), 2)).toBeUndefined();
    expect(splitPrimary(enc(primaryXml(40).replaceAll('metadata', 'filelists')), 2)).toBeUndefined();
    expect(splitPrimary(enc(primaryXml(40).replaceAll('<package ', '<c:package ')), 2)).toBeUndefined();
  });
});

describe('parallel rpm-md load', () => {
  it('gives the same packages, in the same order, with the same data as one sequential parse', async () => {
    const xml = enc(primaryXml(1500));
    const seq = await load(xml);
    const seen = describeRepo(seq.pool, seq.repo);
    expect(seen).toHaveLength(1500);
    for (const workers of [2, 4]) {
      const par = await load(xml, workers);
      try {
        expect(describeRepo(par.pool, par.repo)).toEqual(seen);
      } finally {
        par.pool.dispose();
      }
    }
    // The same through writeSolv/addSolv into another pool.
    const copy = await Pool.create();
    const installed = copy.createRepo('@System');
    installed.addPackage({ name: 'legacy', evr: '0-1', arch: 'noarch', requires: ['p5'] });
    copy.setInstalled(installed);
    const repo = copy.createRepo('available');
    repo.addSolv(seq.repo.writeSolv());
    expect(describeRepo(copy, repo)).toEqual(seen);
    copy.dispose();
    seq.pool.dispose();
  });

  it('keeps the package checksums: filelists extend the packages after a parallel load', async () => {
    const filelists = (names: string[]) =>
      enc(
        `<?xml version="1.0" encoding="UTF-8"?>\n<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="${names.length}">\n` +
          names
            .map((n) => `<package pkgid="${createHash('sha256').update(n).digest('hex')}" name="${n}" arch="x86_64"><version epoch="0" ver="1" rel="1"/><file>/opt/${n}/only-in-filelists</file></package>`)
            .join('\n') +
          '\n</filelists>\n',
      );
    const { pool, repo } = await load(enc(primaryXml(900)), 3);
    repo.addRpmmd(filelists(['p3', 'p450', 'p899']), 'filelists.xml', { extend: true });
    // File provides are only computed for files something requires.
    const names = ['p3', 'p450', 'p899'];
    pool.createRepo('needs').addPackage({ name: 'needs', evr: '1-1', arch: 'noarch', requires: names.map((n) => `/opt/${n}/only-in-filelists`) });
    for (const name of names) {
      const dep = pool.dep(`/opt/${name}/only-in-filelists`);
      expect(pool.whatProvides(dep).map((id) => pool.solvable(id).name)).toEqual([name]);
    }
    expect(repo.size).toBe(900);
    pool.dispose();
  });

  it('gives the same solver answers', async () => {
    const xml = enc(primaryXml(3000));
    const answers = [];
    for (const workers of [undefined, 3]) {
      const { pool } = await load(xml, workers);
      const solver = pool.createSolver();
      const jobs = ['p2996', 'p2997', 'p1000', 'p1501'].flatMap((name) => [SOLVER_INSTALL | SOLVER_SOLVABLE_NAME, pool.str2id(name)]);
      const problems = solver.solve(jobs);
      answers.push({
        problems: solver.problems().map((p) => [p.text, p.solutions.map((x) => x.elements.map((e) => e.text))]),
        steps: problems ? [] : solver.transaction().steps().map((s) => [s.type, s.package.nevra]),
      });
      pool.dispose();
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]!.steps.length).toBeGreaterThan(10);
  });

  it('a cut inside a comment makes that part fail, and the document is parsed whole instead', async () => {
    // The comment sits where the 2-part cut goes (the first part is FIRST_PART_WEIGHT times the second), so the
    // cut lands on a `<package` inside it.
    const comment = `<!-- ${Array.from({ length: 2000 }, (_, i) => `<package type="rpm"><name>ghost${i}</name>`).join('\n')} -->`;
    const xml = enc(primaryXml(200, comment, Math.floor((200 * FIRST_PART_WEIGHT) / (FIRST_PART_WEIGHT + 1)) - 5));
    const parts = splitPrimary(xml, 2, FIRST_PART_WEIGHT)!;
    expect(new TextDecoder().decode(parts.bodies[1]!.subarray(0, 40))).toContain('ghost');
    const seq = await load(xml);
    const par = await load(xml, 2);
    expect(describeRepo(par.pool, par.repo)).toEqual(describeRepo(seq.pool, seq.repo));
    expect(par.repo.size).toBe(200);
    seq.pool.dispose();
    par.pool.dispose();
  });

  it('a malformed part gives addRpmmd’s ParseError, leaves the heap where it was and no worker behind', async () => {
    const lib = await loadLibsolv();
    const bad = enc(primaryXml(600).replace('<name>p450</name>', '<name>p450</nome>'));
    const expected = await load(bad).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(expected).toBeInstanceOf(ParseError);
    for (let round = 0; round < 3; round++) {
      const before = lib.heapUsed();
      const pool = await Pool.create();
      const repo = pool.createRepo('available');
      const error = await repo.addRpmmdAsync(bad, 'primary.xml', { workers: 3 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ParseError);
      expect((error as Error).message).toBe((expected as Error).message);
      pool.dispose();
      expect(lib.heapUsed()).toBe(before);
    }
  });

  it('a worker that cannot run rejects with an InternalError and is terminated; a bad part with a ParseError', async () => {
    const part = [enc(primaryXml(3))];
    const broken = startWorkers({ not: 'a module' }, [part, part]);
    await expect(broken.results).rejects.toBeInstanceOf(InternalError);
    await broken.cancel(); // resolves: no worker left running
    const bad = startWorkers(await compileLibsolv(), [part, [enc('<metadata><package><name>x</nome></package></metadata>')]]);
    await expect(bad.results).rejects.toBeInstanceOf(ParseError);
    await bad.cancel();
    const fine = startWorkers(await compileLibsolv(), [part]);
    const [solv] = await fine.results;
    await fine.cancel();
    const pool = await Pool.create();
    const repo = pool.createRepo('r');
    repo.addSolv(solv!);
    expect(repo.size).toBe(3);
    pool.dispose();
  });
});
