// compose tree on the fixture set (libs/compose/test/compose-fixtures.ts: 62 RPMs built by rpmbuild, 55 resolved,
// with %pre/%post/%posttrans shell scriptlets) into an empty archive repo: resolve, verify, install, scriptlets in
// bubblewrap, rpmdb, post-processing, commit. Reference: Debian's dnf installing the same packages from the same
// repository into an installroot (scriptlets in a chroot), then the real `ostree commit` of that root into an empty
// archive repo — the two steps a compose replaces. Best of 3 runs each (shared machine).
// What each side includes: ours is the composeTree call in a fresh Node process (its WebAssembly compiles, JIT
// warm-up and child processes count; Node's start-up and the loading of our modules do not), the reference is
// whole processes (dnf's Python start-up and imports count, ~0.2 s of `dnf --version`). CPU time counts child
// processes on both sides (bubblewrap and scriptlets for ours, rpm's scriptlets and ostree for the reference).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { requireTools, type BenchSuite, type Measurement } from '../harness.js';
import { buildComposeFixtureRepo, FIXTURE_TREEFILE_PACKAGES } from '@tsostree/compose/testing';

const RUNS = 3;

async function best(measure: (i: number) => Promise<Measurement>): Promise<Measurement> {
  let fastest: Measurement | undefined;
  for (let i = 0; i < RUNS; i++) {
    const m = await measure(i);
    if (!fastest || m.wallMs < fastest.wallMs) fastest = m;
  }
  return fastest as Measurement;
}

const suite: BenchSuite = {
  name: 'compose tree: fixture set vs dnf --installroot + ostree commit',
  unavailable: requireTools('dnf', 'ostree', 'rpmbuild', 'createrepo_c', 'bwrap'),
  async run({ workDir, timeCommand, timeOurs }) {
    const { repoDir } = await buildComposeFixtureRepo({ variant: 'v1' });
    const url = pathToFileURL(repoDir).href;
    const config = join(workDir, 'config');
    mkdirSync(config);
    const treefile = join(config, 'tree.yaml');
    writeFileSync(treefile, `ref: fx/x86_64/os\nrepos: [fx]\nrecommends: false\npackages:\n${FIXTURE_TREEFILE_PACKAGES.map((p) => `  - ${p}`).join('\n')}\n`);
    writeFileSync(join(config, 'fx.repo'), `[fx]\nname=fx\nbaseurl=${url}\ngpgcheck=0\n`);
    const dnfConf = join(workDir, 'dnf.conf');
    writeFileSync(dnfConf, '[main]\ngpgcheck=0\nreposdir=/nonexistent\ninstall_weak_deps=False\n');

    let packages = 0;
    const ours = await best(async (i) => {
      const repo = join(workDir, `ours-${i}`);
      execFileSync('ostree', ['init', '--mode=archive', `--repo=${repo}`]);
      const m = await timeOurs(join(import.meta.dirname, 'compose.work.ts'), 'compose', [treefile, repo, join(workDir, 'cache')]);
      packages = m.units ?? 0;
      return m;
    });
    const reference = await best(async (i) => {
      const root = join(workDir, `dnf-root-${i}`);
      const repo = join(workDir, `ref-${i}`);
      execFileSync('ostree', ['init', '--mode=archive', `--repo=${repo}`]);
      const script = [
        `dnf -y -q --installroot=${root} --config=${dnfConf} --repofrompath=fx,${url} --releasever=1 install ${FIXTURE_TREEFILE_PACKAGES.join(' ')}`,
        `ostree commit --repo=${repo} --branch=fx/x86_64/os --timestamp=@1700000000 ${root}`,
      ].join(' && ');
      return timeCommand('sh', ['-c', script]);
    });
    return [
      {
        name: `compose ${packages} packages (scriptlets, post-process, archive commit)`,
        ours: { ...ours, units: packages },
        reference: { ...reference, tool: 'dnf --installroot + ostree commit' },
        unit: 'packages',
        notes: 'ours without Node start-up and module loading, the reference with dnf start-up',
      },
    ];
  },
};

export default suite;
