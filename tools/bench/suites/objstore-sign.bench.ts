// OpenPGP signing and verification: tsostree (openpgp, in one process) against real ostree 2022.7
// (GPGME + gpg-agent, one process per commit as a user runs it) on a 100-commit history, with the
// test keys shipped in ostree-tests. ed25519 has no counterpart: Debian's ostree lacks libsodium.
import { execFileSync } from 'node:child_process';
import { cpSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchSuite } from '../harness.js';

const COMMITS = 100;
const GPGHOME = '/usr/libexec/installed-tests/libostree/gpghome';
const KEY = '7FCA23D8472CDAFA';

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

const suite: BenchSuite = {
  name: 'objstore signatures (GPG sign/verify vs ostree)',
  unavailable: () => {
    try {
      execFileSync('ostree', ['--version'], { stdio: 'ignore' });
      execFileSync('gpg', ['--version'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'ostree or gpg is not installed';
    }
  },
  async run({ workDir, timeCommand, timeOurs }) {
    const home = join(workDir, 'gpghome');
    cpSync(GPGHOME, home, { recursive: true });
    chmodSync(home, 0o700);
    const tree = join(workDir, 'tree');
    mkdirSync(tree);
    const repos = { ours: join(workDir, 'ours'), theirs: join(workDir, 'theirs') };
    const commits: string[] = [];
    sh('ostree', ['init', `--repo=${repos.theirs}`, '--mode=archive']);
    for (let i = 0; i < COMMITS; i++) {
      writeFileSync(join(tree, 'f'), `${i}\n`);
      commits.push(sh('ostree', [`--repo=${repos.theirs}`, 'commit', '-b', 'main', '-s', `c${i}`, tree]).trim());
    }
    cpSync(repos.theirs, repos.ours, { recursive: true });
    const script = join(workDir, 'each.sh');
    writeFileSync(script, 'verb="$1"; shift; for c in $COMMITS; do ostree "--repo=$REPO" $verb "$c" "$@" >/dev/null || exit 1; done\n');
    const env = { ...process.env, COMMITS: commits.join(' ') };
    const rows = [];

    const signOurs = await timeOurs(join(import.meta.dirname, 'objstore-sign.work.ts'), 'gpgSignAll', [repos.ours, commits, join(GPGHOME, 'secring.gpg'), KEY]);
    const signTheirs = await timeCommand('sh', [script, 'gpg-sign', `--gpg-homedir=${home}`, KEY], { env: { ...env, REPO: repos.theirs } });
    rows.push({ name: `gpg-sign ${COMMITS} commits`, ours: signOurs, reference: { ...signTheirs, tool: 'ostree gpg-sign (a process per commit)' }, unit: 'commits' });

    const pubring = join(GPGHOME, 'trusted/pubring.gpg');
    // Each side verifies the other's signatures.
    const verifyOurs = await timeOurs(join(import.meta.dirname, 'objstore-sign.work.ts'), 'gpgVerifyAll', [repos.theirs, commits, pubring]);
    const verifyTheirs = await timeCommand('sh', [script, 'show', `--gpg-homedir=${join(home, 'trusted')}`], { env: { ...env, REPO: repos.ours } });
    rows.push({ name: `verify ${COMMITS} signed commits`, ours: verifyOurs, reference: { ...verifyTheirs, tool: 'ostree show --gpg-homedir (a process per commit)' }, unit: 'commits' });

    const sumOurs = await timeOurs(join(import.meta.dirname, 'objstore-sign.work.ts'), 'summaryGpgSign', [repos.ours, join(GPGHOME, 'secring.gpg'), KEY]);
    const sumTheirs = await timeCommand('ostree', [`--repo=${repos.theirs}`, 'summary', '-u', `--gpg-sign=${KEY}`, `--gpg-homedir=${home}`]);
    rows.push({ name: 'summary -u --gpg-sign', ours: sumOurs, reference: { ...sumTheirs, tool: 'ostree summary -u --gpg-sign' } });
    try {
      execFileSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
    } catch {
      // no agent
    }
    return rows;
  },
};

export default suite;
