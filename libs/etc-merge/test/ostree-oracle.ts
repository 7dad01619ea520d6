// Real `ostree admin deploy` as the oracle for the /etc merge: two commits deployed one after the
// other into a scratch sysroot, with local edits made to the first deployment's /etc in between.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OS = 'testos';
const KVER = '6.0.0-test';

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} could not run (is it installed? tools/setup.sh installs it): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A scratch directory; `chattr -i` first on cleanup, since ostree makes deployments immutable. */
export function scratchDir(label: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `etc-merge-${label}-`));
  return {
    path,
    cleanup: () => {
      spawnSync('chattr', ['-R', '-i', path], { stdio: 'ignore' });
      // GNU rm copes with trees deeper than PATH_MAX (the hostile tests make one).
      const r = spawnSync('rm', ['-rf', path], { stdio: 'ignore' });
      if (r.status !== 0) rmSync(path, { recursive: true, force: true });
    },
  };
}

export interface OstreeDeployResult {
  sysroot: string;
  /** The first deployment's directory (its usr/etc is the old defaults, its etc the live config). */
  deploy1: string;
  /** The second deployment's directory, or undefined when `ostree admin deploy` failed. */
  deploy2?: string;
  /** What `ostree admin config-diff` printed after the local edits. */
  configDiff: string;
  /** stderr of the failed second deploy. */
  deployError?: string;
}

/**
 * Commits `fillOld` and `fillNew` (each writes a tree's `usr/etc` content into the given directory),
 * deploys the first, runs `edit` on its /etc, then deploys the second.
 */
export function ostreeDeployPair(
  work: string,
  fillOld: (usrEtc: string) => void,
  edit: (etc: string) => void,
  fillNew: (usrEtc: string) => void,
): OstreeDeployResult {
  const sysroot = join(work, 'sysroot');
  const repo = join(sysroot, 'ostree', 'repo');
  mkdirSync(sysroot, { recursive: true });
  run('ostree', ['admin', 'init-fs', sysroot]);
  run('ostree', ['admin', 'os-init', `--sysroot=${sysroot}`, OS]);
  const commit = (name: string, fill: (usrEtc: string) => void): string => {
    const tree = join(work, name);
    const usrEtc = join(tree, 'usr', 'etc');
    mkdirSync(join(tree, 'usr', 'lib', 'modules', KVER), { recursive: true });
    writeFileSync(join(tree, 'usr', 'lib', 'modules', KVER, 'vmlinuz'), `kernel ${name}\n`);
    writeFileSync(join(tree, 'usr', 'lib', 'modules', KVER, 'initramfs.img'), `initramfs ${name}\n`);
    mkdirSync(usrEtc, { recursive: true });
    writeFileSync(join(usrEtc, 'os-release'), `ID=${OS}\nPRETTY_NAME="Test OS"\nVERSION_ID=1\n`);
    fill(usrEtc);
    run('ostree', ['commit', `--repo=${repo}`, '-b', `${OS}/${name}`, `--tree=dir=${tree}`, '-s', name]);
    return run('ostree', ['rev-parse', `--repo=${repo}`, `${OS}/${name}`]).trim();
  };
  const c1 = commit('old', fillOld);
  const c2 = commit('new', fillNew);
  run('ostree', ['admin', 'deploy', `--sysroot=${sysroot}`, `--os=${OS}`, `${OS}/old`]);
  const deploy1 = join(sysroot, 'ostree', 'deploy', OS, 'deploy', `${c1}.0`);
  edit(join(deploy1, 'etc'));
  const configDiff = run('ostree', ['admin', 'config-diff', `--sysroot=${sysroot}`, `--os=${OS}`]);
  const r = spawnSync('ostree', ['admin', 'deploy', `--sysroot=${sysroot}`, `--os=${OS}`, `${OS}/new`], {
    encoding: 'utf8',
  });
  const deploy2 = join(sysroot, 'ostree', 'deploy', OS, 'deploy', `${c2}.0`);
  if (r.status !== 0) return { sysroot, deploy1, configDiff, deployError: r.stderr };
  if (!existsSync(join(deploy2, 'etc'))) throw new Error(`ostree deployed, but ${deploy2}/etc is missing`);
  return { sysroot, deploy1, deploy2, configDiff };
}

/** Fails loudly when the real ostree is missing (tools/setup.sh installs it). */
export function requireOstree(): string {
  return execFileSync('ostree', ['--version'], { encoding: 'utf8' });
}
