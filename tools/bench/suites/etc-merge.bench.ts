// The /etc three-way merge on a 20,000-file /etc with 5% local changes, against real ostree:
// `ostree admin config-diff` is the diff half alone; the merge has no separate ostree command, so it
// is set against a whole `ostree admin deploy` of the new commit (an upper bound for ostree's merge).
// (Subtracting `deploy --no-merge` was tried: on a loaded 2-core machine the difference is noise.)
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchSuite } from '../harness.js';

const FILES = 20_000;
const PER_DIR = 20;
const OS = 'benchos';

function fill(usrEtc: string, variant: 'old' | 'new'): void {
  for (let i = 0; i < FILES; i++) {
    const dir = join(usrEtc, `pkg${Math.floor(i / (PER_DIR * 25))}`, `conf${Math.floor(i / PER_DIR)}.d`);
    if (i % PER_DIR === 0) mkdirSync(dir, { recursive: true });
    // The new defaults change 5% of the files (every 20th, offset from the local edits).
    const vendorChange = variant === 'new' && i % 20 === 7;
    writeFileSync(join(dir, `file${i}.conf`), `# config ${i}${vendorChange ? ' v2' : ''}\n${'key=value\n'.repeat(8)}`);
  }
  writeFileSync(join(usrEtc, 'os-release'), `ID=${OS}\nPRETTY_NAME="Bench OS"\n`);
}

/** 5% local changes: 3% edited, 1% chmod'ed, 0.5% removed, 0.5% added. */
function editLocally(etc: string): void {
  for (let i = 0; i < FILES; i++) {
    const path = join(etc, `pkg${Math.floor(i / (PER_DIR * 25))}`, `conf${Math.floor(i / PER_DIR)}.d`, `file${i}.conf`);
    const r = i % 200;
    if (r < 6) appendFileSync(path, 'local=1\n');
    else if (r < 8) chmodSync(path, 0o600);
    else if (r === 8) rmSync(path);
    else if (r === 9) writeFileSync(`${path}.local`, 'added locally\n');
  }
}

function makeTree(work: string, name: 'old' | 'new'): string {
  const tree = join(work, name);
  mkdirSync(join(tree, 'usr', 'lib', 'modules', '6.0.0'), { recursive: true });
  writeFileSync(join(tree, 'usr', 'lib', 'modules', '6.0.0', 'vmlinuz'), 'kernel\n');
  writeFileSync(join(tree, 'usr', 'lib', 'modules', '6.0.0', 'initramfs.img'), 'initramfs\n');
  fill(join(tree, 'usr', 'etc'), name);
  return tree;
}

const suite: BenchSuite = {
  name: 'etc-merge (20,000-file /etc, 5% local changes)',
  unavailable: () => (spawnSync('ostree', ['--version']).status === 0 ? undefined : 'ostree is not installed'),
  async run({ workDir, timeCommand, timeOurs }) {
    const sysroot = join(workDir, 'sysroot');
    const repo = join(sysroot, 'ostree', 'repo');
    try {
      mkdirSync(sysroot);
      execFileSync('ostree', ['admin', 'init-fs', sysroot], { stdio: 'ignore' });
      execFileSync('ostree', ['admin', 'os-init', `--sysroot=${sysroot}`, OS], { stdio: 'ignore' });
      const revs: Record<string, string> = {};
      for (const name of ['old', 'new'] as const) {
        execFileSync('ostree', ['commit', `--repo=${repo}`, '-b', name, `--tree=dir=${makeTree(workDir, name)}`], { stdio: 'ignore' });
        revs[name] = execFileSync('ostree', ['rev-parse', `--repo=${repo}`, name], { encoding: 'utf8' }).trim();
      }
      execFileSync('ostree', ['admin', 'deploy', `--sysroot=${sysroot}`, `--os=${OS}`, 'old'], { stdio: 'ignore' });
      const deploy1 = join(sysroot, 'ostree', 'deploy', OS, 'deploy', `${revs.old}.0`);
      editLocally(join(deploy1, 'etc'));
      const orig = join(deploy1, 'usr', 'etc');
      const modified = join(deploy1, 'etc');
      const units = Number(execFileSync('sh', ['-c', `find "${modified}" | wc -l`], { encoding: 'utf8' }).trim());

      // ours first (ostree prunes the first deployment after two more deploys): the same three trees; next starts as a plain copy of the new defaults (not timed).
      const next = join(workDir, 'ours-etc');
      execFileSync('cp', ['-a', join(workDir, 'new', 'usr', 'etc'), next]);
      const oursDiff = await timeOurs(join(import.meta.dirname, 'etc-merge.work.ts'), 'diffOnce', [orig, modified, units]);
      const oursMerge = await timeOurs(join(import.meta.dirname, 'etc-merge.work.ts'), 'mergeOnce', [orig, modified, next, units]);
      // ostree: config-diff (the diff alone), then the whole deploy of the new commit (checkout, /etc copy and merge,
      // boot entries; --retain skips pruning the old deployment so its deletion is not counted).
      const refDiff = await timeCommand('ostree', ['admin', 'config-diff', `--sysroot=${sysroot}`, `--os=${OS}`]);
      const deploy = await timeCommand('ostree', ['admin', 'deploy', '--retain', `--sysroot=${sysroot}`, `--os=${OS}`, 'new']);
      return [
        { name: `diff ${units} entries (config-diff)`, ours: oursDiff, reference: { ...refDiff, tool: 'ostree admin config-diff' }, unit: 'files' },
        {
          name: `merge ${units} entries`,
          ours: oursMerge,
          reference: { ...deploy, tool: 'ostree admin deploy (whole deploy)' },
          unit: 'files',
          notes: 'the ostree figure is an upper bound: it also checks out the tree and copies the new /etc',
        },
      ];
    } finally {
      spawnSync('chattr', ['-R', '-i', workDir], { stdio: 'ignore' });
    }
  },
};

export default suite;
